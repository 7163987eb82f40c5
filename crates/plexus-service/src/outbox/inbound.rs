//! Applying EDUs received from other servers to local state. The federation
//! crate parses the EDU and checks that the user belongs to its origin; these
//! functions check the rest (room membership) and write what `/sync` reads.

use std::time::Duration;

use plexus_core::time::now_millis;
use plexus_storage::Json;
use ruma::{RoomId, ServerName, UserId};
use serde_json::{json, Value};

use crate::{
    e2ee::device_lists::note_key_change,
    records::{PresenceRecord, ReceiptRecord},
    tables::{E2eToDevice, FederationToDeviceIds, Presence, Receipts},
    Result, Services,
};

/// How long a remote typing notice lasts without a refresh (the EDU has no timeout).
pub const REMOTE_TYPING_TIMEOUT: Duration = Duration::from_secs(30);

/// How long the message ID of a received to-device EDU is kept for dedupe.
pub const TO_DEVICE_ID_RETENTION_MS: u64 = 7 * 24 * 3600 * 1000;

/// A received read receipt.
pub struct RemoteReceipt<'a> {
    pub room_id: &'a RoomId,
    pub user: &'a UserId,
    pub event_id: &'a str,
    pub ts: u64,
    pub thread_id: Option<&'a str>,
}

/// A received `m.direct_to_device` EDU.
pub struct RemoteToDevice<'a> {
    pub origin: &'a ServerName,
    pub sender: &'a UserId,
    pub event_type: &'a str,
    pub message_id: &'a str,
    /// `{user: {device or "*": content}}`.
    pub messages: &'a Value,
}

impl Services {
    /// A remote user starts or stops typing; ignored unless they are joined.
    pub fn apply_remote_typing(&self, room_id: &RoomId, user: &UserId, typing: bool) -> Result<()> {
        if !self.is_joined(room_id, user)? {
            return Ok(());
        }
        self.set_typing(room_id, user, typing.then_some(REMOTE_TYPING_TIMEOUT))
    }

    /// Stores a remote user's public read receipt; ignored unless they are joined.
    pub fn apply_remote_receipt(&self, receipt: RemoteReceipt<'_>) -> Result<()> {
        if !self.is_joined(receipt.room_id, receipt.user)? {
            return Ok(());
        }
        let slot = self.stream.allocate(&self.db)?;
        let key = (
            receipt.room_id.to_string(),
            "m.read".to_owned(),
            receipt.user.to_string(),
            receipt.thread_id.unwrap_or("").to_owned(),
        );
        let record = ReceiptRecord {
            event_id: receipt.event_id.to_owned(),
            ts: receipt.ts,
            stream: slot.position(),
        };
        self.db.put::<Receipts>(&key, &Json(record))?;
        Ok(())
    }

    /// Stores a remote user's presence, if they share a room with us.
    pub fn apply_remote_presence(&self, user: &UserId, update: &Value) -> Result<()> {
        let Some(presence) = update["presence"]
            .as_str()
            .filter(|p| matches!(*p, "online" | "offline" | "unavailable"))
        else {
            return Ok(());
        };
        if self.joined_rooms(user)?.is_empty() {
            return Ok(());
        }
        let ago = update["last_active_ago"].as_u64().unwrap_or(0);
        let slot = self.stream.allocate(&self.db)?;
        let record = PresenceRecord {
            presence: presence.to_owned(),
            status_msg: update["status_msg"].as_str().map(str::to_owned),
            last_active_ts: now_millis().saturating_sub(ago),
            stream: slot.position(),
        };
        self.db.put::<Presence>(&user.to_string(), &Json(record))?;
        Ok(())
    }

    /// A remote user's devices or cross-signing keys changed: local users
    /// sharing a room see them in `/sync` `device_lists.changed`.
    pub fn note_remote_device_change(&self, user: &UserId) -> Result<()> {
        if self.joined_rooms(user)?.is_empty() {
            return Ok(());
        }
        let slot = self.stream.allocate(&self.db)?;
        let mut batch = self.db.batch();
        note_key_change(&mut batch, slot.position(), user.as_str())?;
        self.db.write(batch)?;
        Ok(())
    }

    /// Delivers a remote to-device message to local devices (`*` = all of a
    /// user's devices), once per (origin, message_id).
    pub async fn deliver_remote_to_device(&self, message: RemoteToDevice<'_>) -> Result<()> {
        let lock = self.room_lock(&format!("\0federation:to-device:{}", message.origin));
        let _guard = lock.lock().await;
        let seen = (message.origin.to_string(), message.message_id.to_owned());
        if self.db.contains::<FederationToDeviceIds>(&seen)? {
            return Ok(());
        }
        let mut batch = self.db.batch();
        let mut slots = Vec::new();
        for (user, device, content) in self.local_recipients(message.messages)? {
            let slot = self.stream.allocate(&self.db)?;
            let event = json!({
                "type": message.event_type, "sender": message.sender, "content": content,
            });
            batch.put::<E2eToDevice>(&(user, device, slot.position()), &Json(event))?;
            slots.push(slot);
        }
        batch.put::<FederationToDeviceIds>(&seen, &now_millis())?;
        self.db.write(batch)?;
        drop(slots); // publish once durable
        Ok(())
    }

    /// Forgets the message IDs of to-device EDUs received more than
    /// [`TO_DEVICE_ID_RETENTION_MS`] ago (a resend comes within minutes), in one batch.
    pub fn prune_remote_to_device_ids(&self) -> Result<usize> {
        let cutoff = now_millis().saturating_sub(TO_DEVICE_ID_RETENTION_MS);
        let mut batch = self.db.batch();
        let mut pruned = 0;
        for row in self
            .db
            .scan::<FederationToDeviceIds, _>(&(), plexus_storage::Direction::Forward)?
        {
            let (key, received) = row?;
            if received < cutoff {
                batch.delete::<FederationToDeviceIds>(&key)?;
                pruned += 1;
            }
        }
        self.db.write(batch)?;
        Ok(pruned)
    }

    /// (user, device, content) for each addressed device of a local user.
    fn local_recipients(&self, messages: &Value) -> Result<Vec<(String, String, Value)>> {
        let mut out = Vec::new();
        for (user, devices) in messages.as_object().into_iter().flatten() {
            let Ok(user_id) = UserId::parse(user) else {
                continue;
            };
            if user_id.server_name() != self.server_name() {
                continue;
            }
            for (device, content) in devices.as_object().into_iter().flatten() {
                if !content.is_object() {
                    continue;
                }
                let devices = if device == "*" {
                    self.devices(&user_id)?
                        .into_iter()
                        .map(|d| d.device_id)
                        .collect()
                } else if self.device(&user_id, device).is_ok() {
                    vec![device.clone()]
                } else {
                    vec![]
                };
                out.extend(
                    devices
                        .into_iter()
                        .map(|d| (user.clone(), d, content.clone())),
                );
            }
        }
        Ok(out)
    }
}
