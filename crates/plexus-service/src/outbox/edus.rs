//! Outbound EDUs built from local changes. Each `outbox_*` function is
//! called by the service function that makes the change, in its batch (or,
//! for in-memory typing, right after), and queues the EDU for the servers
//! that should see it. Every caller publishes a stream slot after its write,
//! which wakes the sender (see [`crate::outbox`]).

use std::collections::BTreeMap;

use plexus_storage::Batch;
use ruma::{RoomId, UserId};
use serde_json::{json, Map, Value};

use super::OutboxItem;
use crate::{records::PresenceRecord, tables::FederationDeviceListIds, Result, Services};

/// `{edu_type, content}` as a queue item.
fn edu(edu_type: &str, content: Value) -> OutboxItem {
    OutboxItem::Edu {
        edu: json!({ "edu_type": edu_type, "content": content }),
    }
}

impl Services {
    fn enqueue_for_room(&self, batch: &mut Batch<'_>, room: &str, item: &OutboxItem) -> Result<()> {
        let servers = self.room_servers(room)?;
        self.outbox_enqueue(batch, servers.iter().map(|s| s.as_str()), item)
    }

    fn enqueue_for_user_peers(
        &self,
        batch: &mut Batch<'_>,
        user: &UserId,
        item: &OutboxItem,
    ) -> Result<()> {
        let servers = self.servers_sharing_rooms(user)?;
        self.outbox_enqueue(batch, servers.iter().map(|s| s.as_str()), item)
    }

    /// `m.typing` for a local user's typing change, to the room's other servers.
    pub(crate) fn outbox_typing(
        &self,
        room_id: &RoomId,
        user: &UserId,
        typing: bool,
    ) -> Result<()> {
        if user.server_name() != self.server_name() {
            return Ok(());
        }
        let item = edu(
            "m.typing",
            json!({ "room_id": room_id, "user_id": user, "typing": typing }),
        );
        let mut batch = self.db.batch();
        self.enqueue_for_room(&mut batch, room_id.as_str(), &item)?;
        if !batch.is_empty() {
            self.db.write(batch)?;
            self.outbox.wake();
        }
        Ok(())
    }

    /// `m.receipt` for a local user's public read receipt.
    pub(crate) fn outbox_receipt(
        &self,
        batch: &mut Batch<'_>,
        receipt: (&RoomId, &UserId, &str),
        event_id: &str,
        ts: u64,
        thread_id: Option<&str>,
    ) -> Result<()> {
        let (room_id, user, receipt_type) = receipt;
        if receipt_type != "m.read" || user.server_name() != self.server_name() {
            return Ok(());
        }
        let mut data = json!({ "ts": ts });
        if let Some(thread) = thread_id {
            data["thread_id"] = json!(thread);
        }
        let read = json!({ user.as_str(): { "event_ids": [event_id], "data": data } });
        let content = json!({ room_id.as_str(): { "m.read": read } });
        self.enqueue_for_room(batch, room_id.as_str(), &edu("m.receipt", content))
    }

    /// `m.presence` for a local user, to the servers sharing a room with them.
    /// A user who hides their presence sets `offline`, which is what is sent.
    pub(crate) fn outbox_presence(
        &self,
        batch: &mut Batch<'_>,
        user: &UserId,
        record: &PresenceRecord,
    ) -> Result<()> {
        if user.server_name() != self.server_name() {
            return Ok(());
        }
        let mut update = self.presence_content(record);
        update["user_id"] = json!(user);
        let item = edu("m.presence", json!({ "push": [update] }));
        self.enqueue_for_user_peers(batch, user, &item)
    }

    /// `m.device_list_update` for a local user's device whose keys changed
    /// (`keys`, as written in the caller's batch) or which was deleted (`None`).
    /// `stream_id`s come from the queue's sequence, so they only grow;
    /// `prev_id` names the previous update sent for the user.
    pub(crate) fn outbox_device_change(
        &self,
        batch: &mut Batch<'_>,
        user: &UserId,
        device_id: &str,
        keys: Option<&Value>,
    ) -> Result<()> {
        let servers = self.servers_sharing_rooms(user)?;
        if servers.is_empty() || user.server_name() != self.server_name() {
            return Ok(());
        }
        let stream_id = self.outbox.next_seq(&self.db)?;
        let prev = self.db.get::<FederationDeviceListIds>(&user.to_string())?;
        batch.put::<FederationDeviceListIds>(&user.to_string(), &stream_id)?;
        let mut content = json!({
            "user_id": user, "device_id": device_id, "stream_id": stream_id,
            "prev_id": prev.into_iter().collect::<Vec<_>>(), "deleted": keys.is_none(),
        });
        if let Some(keys) = keys {
            content["keys"] = keys.clone();
        }
        let item = edu("m.device_list_update", content);
        self.outbox_enqueue(batch, servers.iter().map(|s| s.as_str()), &item)
    }

    /// After a local user signed one of their own keys (`key_id`, a device
    /// ID or cross-signing key): an `m.device_list_update` without keys and
    /// with an empty `prev_id`, which makes the receiver refetch the user's
    /// devices (`/user/devices`) and so see the new signature.
    pub(crate) fn outbox_own_key_signed(
        &self,
        batch: &mut Batch<'_>,
        signer: &UserId,
        user: &str,
        key_id: &str,
    ) -> Result<()> {
        let servers = self.servers_sharing_rooms(signer)?;
        if user != signer.as_str() || servers.is_empty() {
            return Ok(());
        }
        let stream_id = self.outbox.next_seq(&self.db)?;
        batch.put::<FederationDeviceListIds>(&signer.to_string(), &stream_id)?;
        let content = json!({
            "user_id": signer, "device_id": key_id, "stream_id": stream_id,
            "prev_id": [], "deleted": false,
        });
        let item = edu("m.device_list_update", content);
        self.outbox_enqueue(batch, servers.iter().map(|s| s.as_str()), &item)
    }

    /// `m.signing_key_update` for a local user's new master / self-signing
    /// keys (the user-signing key is private to its owner).
    pub(crate) fn outbox_signing_keys(
        &self,
        batch: &mut Batch<'_>,
        user: &UserId,
        keys: &[(&str, Value)],
    ) -> Result<()> {
        let mut content = json!({ "user_id": user });
        for (kind, key) in keys {
            match *kind {
                "master" => content["master_key"] = key.clone(),
                "self_signing" => content["self_signing_key"] = key.clone(),
                _ => {}
            }
        }
        if content.as_object().is_some_and(|c| c.len() == 1) {
            return Ok(());
        }
        self.enqueue_for_user_peers(batch, user, &edu("m.signing_key_update", content))
    }

    /// `m.direct_to_device` for the recipients of `messages` on other
    /// servers: one EDU per server, each with its own `message_id`.
    pub(crate) fn outbox_to_device(
        &self,
        batch: &mut Batch<'_>,
        sender: &UserId,
        event_type: &str,
        messages: &Value,
    ) -> Result<()> {
        let mut by_server: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
        for (user, devices) in messages.as_object().into_iter().flatten() {
            let Ok(user_id) = UserId::parse(user) else {
                continue;
            };
            if user_id.server_name() != self.server_name() && devices.is_object() {
                by_server
                    .entry(user_id.server_name().to_string())
                    .or_default()
                    .insert(user.clone(), devices.clone());
            }
        }
        for (server, messages) in by_server {
            let content = json!({
                "sender": sender, "type": event_type,
                "message_id": crate::users::random_string(24), "messages": messages,
            });
            self.outbox_enqueue(
                batch,
                [server.as_str()],
                &edu("m.direct_to_device", content),
            )?;
            // No stream slot may follow (all recipients remote): wake now;
            // the sender re-reads the queue until the write lands.
            self.outbox.wake();
        }
        Ok(())
    }
}
