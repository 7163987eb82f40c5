//! The summary fields of a room: `name`, `avatar`, `heroes` (when there is
//! no name) and, for joined rooms, `joined_count` and `invited_count`.

use ruma::RoomId;
use serde_json::{json, Map, Value};

use super::RoomRequest;
use crate::{Result, Services};

impl Services {
    pub(super) fn insert_room_summary(
        &self,
        room_id: &RoomId,
        req: &RoomRequest<'_>,
        joined: bool,
        out: &mut Map<String, Value>,
    ) -> Result<()> {
        let name = self
            .candidate_state(req.candidate, "m.room.name")?
            .and_then(|c| c["name"].as_str().map(str::to_owned))
            .filter(|n| !n.is_empty());
        let avatar = self
            .candidate_state(req.candidate, "m.room.avatar")?
            .and_then(|c| c["url"].as_str().map(str::to_owned));
        out.insert("avatar".into(), json!(avatar));
        if let Some(name) = &name {
            out.insert("name".into(), json!(name));
        }
        // Current members are not a former member's business.
        if !joined {
            return Ok(());
        }
        let joined_members = self.room_members(room_id, "join")?;
        let invited_members = self.room_members(room_id, "invite")?;
        if name.is_none() {
            let heroes = self.heroes(room_id, req, &joined_members, &invited_members)?;
            out.insert("heroes".into(), json!(heroes));
        }
        out.insert("joined_count".into(), json!(joined_members.len()));
        out.insert("invited_count".into(), json!(invited_members.len()));
        Ok(())
    }

    /// Up to five other members (joined first, then invited) with their profiles.
    fn heroes(
        &self,
        room_id: &RoomId,
        req: &RoomRequest<'_>,
        joined: &[String],
        invited: &[String],
    ) -> Result<Vec<Value>> {
        let mut heroes = Vec::new();
        for member in crate::rooms::hero_ids(joined, invited, req.user) {
            let event = self.current_state_event(room_id, "m.room.member", member)?;
            let mut hero = json!({ "user_id": member });
            if let Some(event) = event {
                let content = event.content_value();
                for field in ["displayname", "avatar_url"] {
                    if let Some(value) = content[field].as_str() {
                        hero[field] = json!(value);
                    }
                }
            }
            heroes.push(hero);
        }
        Ok(heroes)
    }
}
