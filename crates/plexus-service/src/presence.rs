//! Presence: set and read, shown in /sync to users who share a room.
//! A user who sets `offline` (or the `hide presence` choice of a client)
//! appears offline to everyone.

use plexus_core::time::now_millis;
use plexus_storage::Json;
use ruma::{RoomId, UserId};
use serde_json::{json, Value};

use crate::{records::PresenceRecord, tables::Presence, Result, ServiceError, Services};

impl Services {
    pub fn set_presence(
        &self,
        user: &UserId,
        presence: &str,
        status_msg: Option<String>,
    ) -> Result<()> {
        if !matches!(presence, "online" | "offline" | "unavailable") {
            return Err(ServiceError::invalid(
                "presence must be online, offline or unavailable",
            ));
        }
        let current = self.db.get::<Presence>(&user.to_string())?.map(|j| j.0);
        let unchanged = current
            .as_ref()
            .is_some_and(|c| c.presence == presence && c.status_msg == status_msg);
        if unchanged
            && current
                .as_ref()
                .is_some_and(|c| now_millis() - c.last_active_ts < 60_000)
        {
            return Ok(()); // nothing to tell anyone; avoid waking every sync
        }
        let slot = self.stream.allocate(&self.db)?;
        let record = PresenceRecord {
            presence: presence.to_owned(),
            status_msg,
            last_active_ts: now_millis(),
            stream: slot.position(),
        };
        let mut batch = self.db.batch();
        self.outbox_presence(&mut batch, user, &record)?;
        batch.put::<Presence>(&user.to_string(), &Json(record))?;
        self.db.write(batch)?;
        Ok(())
    }

    pub fn presence(&self, user: &UserId) -> Result<Option<PresenceRecord>> {
        Ok(self.db.get::<Presence>(&user.to_string())?.map(|j| j.0))
    }

    /// Whether `viewer` may read `target`'s presence: presence is published to
    /// the users who share a joined room with `target` (and to `target`).
    pub fn can_see_presence(&self, viewer: &UserId, target: &UserId) -> Result<bool> {
        if viewer == target {
            return Ok(true);
        }
        for room in self.joined_rooms(viewer)? {
            let Ok(room_id) = RoomId::parse(&room) else {
                continue;
            };
            if self.is_joined(&room_id, target)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The `m.presence` content of a user as clients see it.
    pub fn presence_content(&self, record: &PresenceRecord) -> Value {
        let ago = now_millis().saturating_sub(record.last_active_ts);
        let mut content = json!({
            "presence": record.presence,
            "last_active_ago": ago,
            "currently_active": record.presence == "online" && ago < 5 * 60_000,
        });
        if let Some(msg) = &record.status_msg {
            content["status_msg"] = json!(msg);
        }
        content
    }
}
