//! To-device messages: queued per recipient device, each at its own stream
//! position so `/sync` delivers them in order, and deleted once a later
//! `/sync` acknowledges them with a `since` at or past their position.
//! Sends are idempotent per (sender, device, txn ID).

use plexus_storage::{Direction, Json};
use ruma::UserId;
use serde_json::{json, Value};

use crate::{
    tables::{E2eToDevice, E2eToDeviceTxns},
    Result, ServiceError, Services,
};

/// A to-device send: `messages` is `{user: {device or "*": content}}`.
pub struct ToDeviceSend<'a> {
    pub event_type: &'a str,
    pub txn_id: &'a str,
    pub messages: &'a Value,
}

impl Services {
    /// Queues the messages for every addressed local device. A repeated txn ID is a no-op.
    pub async fn send_to_device(
        &self,
        sender: &UserId,
        sender_device: &str,
        send: ToDeviceSend<'_>,
    ) -> Result<()> {
        // A client retrying while the first attempt is still running must not
        // get both delivered: check-then-write runs under a per-device lock.
        let lock = self.room_lock(&format!("\0e2ee:to-device:{sender}:{sender_device}"));
        let _guard = lock.lock().await;
        let txn_key = (
            sender.to_string(),
            sender_device.to_owned(),
            send.txn_id.to_owned(),
        );
        if self.db.contains::<E2eToDeviceTxns>(&txn_key)? {
            return Ok(());
        }
        let targets = self.to_device_targets(send.messages)?;
        let mut slots = Vec::with_capacity(targets.len());
        let mut batch = self.db.batch();
        for (user, device, content) in targets {
            let slot = self.stream.allocate(&self.db)?;
            let event = json!({ "type": send.event_type, "sender": sender, "content": content });
            batch.put::<E2eToDevice>(&(user, device, slot.position()), &Json(event))?;
            slots.push(slot);
        }
        self.outbox_to_device(&mut batch, sender, send.event_type, send.messages)?;
        batch.put::<E2eToDeviceTxns>(&txn_key, &())?;
        self.db.write(batch)?;
        drop(slots); // publish only once the messages are durable
        Ok(())
    }

    /// (user, device, content) for each addressed device of a local user; `*` means all.
    fn to_device_targets(&self, messages: &Value) -> Result<Vec<(String, String, Value)>> {
        let users = messages
            .as_object()
            .ok_or_else(|| ServiceError::BadJson("messages must be an object".into()))?;
        let mut targets = Vec::new();
        for (user, devices) in users {
            let user_id = UserId::parse(user)
                .map_err(|_| ServiceError::invalid(format!("invalid user ID {user}")))?;
            let devices = devices.as_object().ok_or_else(|| {
                ServiceError::BadJson("messages must map devices to contents".into())
            })?;
            // Remote recipients go through the send queue (`outbox_to_device`).
            if user_id.server_name() != self.server_name() {
                continue;
            }
            for (device, content) in devices {
                if !content.is_object() {
                    return Err(ServiceError::BadJson(
                        "to-device content must be an object".into(),
                    ));
                }
                let addressed = if device == "*" {
                    self.devices(&user_id)?
                        .into_iter()
                        .map(|d| d.device_id)
                        .collect()
                } else if self.device(&user_id, device).is_ok() {
                    vec![device.clone()]
                } else {
                    vec![] // unknown devices would keep the message forever
                };
                targets.extend(
                    addressed
                        .into_iter()
                        .map(|d| (user.clone(), d, content.clone())),
                );
            }
        }
        Ok(targets)
    }

    /// Acknowledges (deletes) messages at or before `since`, then returns those up to `current`.
    pub(crate) fn to_device_for_sync(
        &self,
        user: &UserId,
        device: &str,
        since: Option<u64>,
        current: u64,
    ) -> Result<Vec<Value>> {
        Ok(self
            .to_device_batch(user, device, since, current, usize::MAX)?
            .0)
    }

    /// Like [`Self::to_device_for_sync`], but at most `limit` messages; also
    /// returns the next `since`: the last message's position when some were
    /// left out, `current` otherwise.
    pub(crate) fn to_device_batch(
        &self,
        user: &UserId,
        device: &str,
        since: Option<u64>,
        current: u64,
        limit: usize,
    ) -> Result<(Vec<Value>, u64)> {
        let prefix = (user.to_string(), device.to_owned());
        let mut batch = self.db.batch();
        let mut pending = Vec::new();
        let mut next = current;
        for row in self
            .db
            .scan::<E2eToDevice, _>(&prefix, Direction::Forward)?
        {
            let (key, Json(event)) = row?;
            if since.is_some_and(|s| key.2 <= s) {
                batch.delete::<E2eToDevice>(&key)?;
            } else if key.2 <= current && pending.len() < limit {
                pending.push(event);
                next = key.2;
            } else {
                break;
            }
        }
        if pending.len() < limit {
            next = current;
        }
        if !batch.is_empty() {
            self.db.write(batch)?;
        }
        Ok((pending, next))
    }

    /// Removes every queued message of a device (the device is being deleted).
    pub(crate) fn delete_to_device_queue(
        &self,
        batch: &mut plexus_storage::Batch<'_>,
        user: &UserId,
        device: &str,
    ) -> Result<()> {
        let prefix = (user.to_string(), device.to_owned());
        for row in self
            .db
            .scan::<E2eToDevice, _>(&prefix, Direction::Forward)?
        {
            batch.delete::<E2eToDevice>(&row?.0)?;
        }
        Ok(())
    }
}
