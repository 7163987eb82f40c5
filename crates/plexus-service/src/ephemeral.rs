//! Typing notifications (memory only, they expire) and read receipts
//! (persisted, `m.read`, `m.read.private`, threaded).

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use plexus_core::time::now_millis;
use plexus_storage::{Direction, Json};
use ruma::{RoomId, UserId};
use serde_json::{json, Map, Value};

use crate::{records::ReceiptRecord, tables::Receipts, Result, ServiceError, Services};

const MAX_TYPING: Duration = Duration::from_secs(120);

/// Who types in a room (user → expiry) and the stream position of the last change.
type RoomTyping = (HashMap<String, Instant>, u64);

#[derive(Default)]
pub struct Typing {
    rooms: Mutex<HashMap<String, RoomTyping>>,
}

impl Services {
    pub fn set_typing(
        &self,
        room_id: &RoomId,
        user: &UserId,
        timeout: Option<Duration>,
    ) -> Result<()> {
        if !self.is_joined(room_id, user)? {
            return Err(ServiceError::forbidden("you are not in this room"));
        }
        let slot = self.stream.allocate(&self.db)?;
        let mut rooms = self.typing.rooms.lock().expect("typing lock poisoned");
        let (users, changed) = rooms.entry(room_id.to_string()).or_default();
        match timeout {
            Some(t) => users.insert(user.to_string(), Instant::now() + t.min(MAX_TYPING)),
            None => users.remove(user.as_str()),
        };
        *changed = slot.position();
        drop(rooms);
        self.outbox_typing(room_id, user, timeout.is_some())?;
        Ok(())
    }

    /// The earliest moment a typing notice in one of the user's joined rooms expires.
    pub fn next_typing_expiry(&self, user: &UserId) -> Result<Option<Instant>> {
        let joined = self.joined_rooms(user)?;
        let rooms = self.typing.rooms.lock().expect("typing lock poisoned");
        Ok(joined
            .iter()
            .filter_map(|room| rooms.get(room))
            .flat_map(|(users, _)| users.values().copied())
            .min())
    }

    /// Users typing in a room now, and the position of the last change.
    pub fn typing_users(&self, room_id: &str) -> (Vec<String>, u64) {
        let mut rooms = self.typing.rooms.lock().expect("typing lock poisoned");
        let Some((users, changed)) = rooms.get_mut(room_id) else {
            return (vec![], 0);
        };
        let now = Instant::now();
        let before = users.len();
        users.retain(|_, expiry| *expiry > now);
        if users.len() != before {
            // Expiry is a change too. It takes a stream position of its own, or a
            // sync whose `since` is already the current position would never see it;
            // publishing that position also wakes the syncs waiting on the stream.
            let expired_at = self.stream.allocate(&self.db).map(|slot| slot.position());
            *changed = expired_at.unwrap_or_else(|_| self.stream.current());
        }
        (users.keys().cloned().collect(), *changed)
    }

    /// Sets a receipt; private receipts are seen by their owner only.
    pub fn set_receipt(
        &self,
        room_id: &RoomId,
        user: &UserId,
        receipt_type: &str,
        event_id: &str,
        thread_id: Option<&str>,
    ) -> Result<()> {
        if !matches!(receipt_type, "m.read" | "m.read.private" | "m.fully_read") {
            return Err(ServiceError::invalid("unknown receipt type"));
        }
        let Some((pdu, _)) = self.visible_event(user, event_id)? else {
            return Err(ServiceError::not_found("event not found"));
        };
        if pdu.room_id != room_id {
            return Err(ServiceError::invalid("event is in another room"));
        }
        if receipt_type == "m.fully_read" {
            return self.set_room_account_data(
                user,
                room_id,
                "m.fully_read",
                json!({ "event_id": event_id }),
            );
        }
        let slot = self.stream.allocate(&self.db)?;
        let key = (
            room_id.to_string(),
            receipt_type.to_owned(),
            user.to_string(),
            thread_id.unwrap_or("").to_owned(),
        );
        let record = ReceiptRecord {
            event_id: event_id.to_owned(),
            ts: now_millis(),
            stream: slot.position(),
        };
        let mut batch = self.db.batch();
        let receipt = (room_id, user, receipt_type);
        self.outbox_receipt(&mut batch, receipt, event_id, record.ts, thread_id)?;
        batch.put::<Receipts>(&key, &Json(record))?;
        self.db.write(batch)?;
        Ok(())
    }

    /// The `m.receipt` EDU content of receipts newer than `since`, as `viewer` may see them.
    pub fn receipts_since(
        &self,
        room_id: &str,
        viewer: &UserId,
        since: u64,
    ) -> Result<Option<Value>> {
        let mut content: Map<String, Value> = Map::new();
        for row in self
            .db
            .scan::<Receipts, _>(&(room_id.to_owned(),), Direction::Forward)?
        {
            let ((_, kind, user, thread), Json(r)) = row?;
            if r.stream <= since || (kind == "m.read.private" && user != viewer.as_str()) {
                continue;
            }
            let mut receipt = json!({ "ts": r.ts });
            if !thread.is_empty() {
                receipt["thread_id"] = json!(thread);
            }
            let by_event = content.entry(r.event_id).or_insert_with(|| json!({}));
            by_event[&kind][&user] = receipt;
        }
        Ok((!content.is_empty()).then(|| json!({ "type": "m.receipt", "content": content })))
    }

    /// The user's own `m.read` (or private) receipt in a room, as a stream position.
    pub fn own_read_position(&self, room_id: &str, user: &UserId) -> Result<Option<u64>> {
        let mut best: Option<u64> = None;
        for kind in ["m.read", "m.read.private"] {
            for thread in ["", "main"] {
                let key = (
                    room_id.to_owned(),
                    kind.to_owned(),
                    user.to_string(),
                    thread.to_owned(),
                );
                if let Some(Json(r)) = self.db.get::<Receipts>(&key)? {
                    if let Some(meta) = self.event_meta(&r.event_id)? {
                        best = Some(best.map_or(meta.stream, |b| b.max(meta.stream)));
                    }
                }
            }
        }
        Ok(best)
    }
}
