//! Room aliases, the public room directory and the user directory.
//! Other servers' aliases: [`remote`].

mod remote;
mod summary;

use plexus_storage::{Direction, Json};
use ruma::{OwnedRoomId, RoomId, UserId};
use serde_json::{json, Value};

use crate::{
    records::AliasRecord,
    tables::{Aliases, PublicRooms, RoomAliases, Users},
    Result, ServiceError, Services,
};

/// One entry of `/publicRooms`.
#[derive(Clone, Debug)]
pub struct PublicRoom {
    pub room_id: String,
    pub summary: Value,
}

impl Services {
    pub fn resolve_alias(&self, alias: &str) -> Result<Option<OwnedRoomId>> {
        Ok(self
            .db
            .get::<Aliases>(&alias.to_owned())?
            .and_then(|Json(a)| RoomId::parse(a.room_id).ok()))
    }

    /// Creates an alias on this server (both indexes in one batch).
    pub fn add_alias(&self, alias: &str, room_id: &RoomId, creator: &UserId) -> Result<()> {
        let parsed =
            ruma::RoomAliasId::parse(alias).map_err(|e| ServiceError::invalid(e.to_string()))?;
        if parsed.server_name() != self.server_name() {
            return Err(ServiceError::invalid(
                "aliases of other servers cannot be created here",
            ));
        }
        if self.resolve_alias(alias)?.is_some() {
            return Err(ServiceError::RoomInUse("room alias already exists".into()));
        }
        if !self.room_exists(room_id)? {
            return Err(ServiceError::not_found("unknown room"));
        }
        let mut batch = self.db.batch();
        let record = AliasRecord {
            room_id: room_id.to_string(),
            creator: creator.to_string(),
        };
        batch.put::<Aliases>(&alias.to_owned(), &Json(record))?;
        batch.put::<RoomAliases>(&(room_id.to_string(), alias.to_owned()), &())?;
        self.db.write(batch)?;
        Ok(())
    }

    /// Deletes an alias; allowed for its creator, server admins and room moderators.
    pub fn delete_alias(&self, alias: &str, user: &UserId, is_admin: bool) -> Result<()> {
        let Json(record) = self
            .db
            .get::<Aliases>(&alias.to_owned())?
            .ok_or_else(|| ServiceError::not_found("no such alias"))?;
        let room_id = RoomId::parse(&record.room_id).map_err(ServiceError::internal)?;
        if record.creator != user.as_str()
            && !is_admin
            && !self.user_can_send_state(&room_id, user, "m.room.canonical_alias")?
        {
            return Err(ServiceError::forbidden("you may not delete this alias"));
        }
        let mut batch = self.db.batch();
        batch.delete::<Aliases>(&alias.to_owned())?;
        batch.delete::<RoomAliases>(&(record.room_id, alias.to_owned()))?;
        self.db.write(batch)?;
        Ok(())
    }

    pub fn room_aliases(&self, room_id: &RoomId) -> Result<Vec<String>> {
        self.db
            .scan::<RoomAliases, _>(&(room_id.to_string(),), Direction::Forward)?
            .map(|row| row.map_err(Into::into).map(|((_, alias), ())| alias))
            .collect()
    }

    /// Whether `user`'s power level allows sending a state event of `kind`.
    pub fn user_can_send_state(&self, room_id: &RoomId, user: &UserId, kind: &str) -> Result<bool> {
        let Some(pl) = self.current_state_event(room_id, "m.room.power_levels", "")? else {
            return self.is_room_creator(room_id, user);
        };
        if self.is_room_creator(room_id, user)? && self.creators_privileged(room_id)? {
            return Ok(true);
        }
        let content = pl.content_value();
        let as_int =
            |v: Option<&Value>| v.and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()));
        let user_level = as_int(content.pointer(&format!(
            "/users/{}",
            user.as_str().replace('~', "~0").replace('/', "~1")
        )))
        .or(as_int(content.get("users_default")))
        .unwrap_or(0);
        let needed = as_int(content.get("events").and_then(|e| e.get(kind)))
            .or(as_int(content.get("state_default")))
            .unwrap_or(50);
        Ok(user_level >= needed)
    }

    /// Whether `user` created the room (sender of `m.room.create`, `creator`, or an additional creator).
    pub fn is_room_creator(&self, room_id: &RoomId, user: &UserId) -> Result<bool> {
        let Some(create) = self.current_state_event(room_id, "m.room.create", "")? else {
            return Ok(false);
        };
        let content = create.content_value();
        let additional = content
            .get("additional_creators")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|c| c == user.as_str()));
        Ok(create.sender == user
            || content.get("creator").and_then(Value::as_str) == Some(user.as_str())
            || additional)
    }

    pub(crate) fn creators_privileged(&self, room_id: &RoomId) -> Result<bool> {
        let room = self
            .room_record(room_id)?
            .ok_or_else(|| ServiceError::not_found("unknown room"))?;
        Ok(crate::events::rules_for(&room.version)?
            .authorization
            .explicitly_privilege_room_creators)
    }

    pub fn set_room_public(&self, room_id: &RoomId, public: bool) -> Result<()> {
        if public {
            self.db.put::<PublicRooms>(&room_id.to_string(), &())?;
        } else {
            let mut batch = self.db.batch();
            batch.delete::<PublicRooms>(&room_id.to_string())?;
            self.db.write(batch)?;
        }
        Ok(())
    }

    pub fn is_room_public(&self, room_id: &RoomId) -> Result<bool> {
        Ok(self.db.contains::<PublicRooms>(&room_id.to_string())?)
    }

    /// Published rooms whose name, topic or alias contains `term`.
    pub fn public_rooms(&self, term: Option<&str>) -> Result<Vec<PublicRoom>> {
        let term = term.map(str::to_lowercase).filter(|t| !t.is_empty());
        let mut out = Vec::new();
        for row in self.db.scan::<PublicRooms, _>(&(), Direction::Forward)? {
            let (room, ()) = row?;
            let Ok(room_id) = RoomId::parse(&room) else {
                continue;
            };
            let summary = self.room_summary(&room_id)?;
            let haystack = summary.to_string().to_lowercase();
            if term.as_ref().is_none_or(|t| haystack.contains(t.as_str())) {
                out.push(PublicRoom {
                    room_id: room,
                    summary,
                });
            }
        }
        out.sort_by_key(|r| {
            std::cmp::Reverse(r.summary["num_joined_members"].as_u64().unwrap_or(0))
        });
        Ok(out)
    }

    /// The public-rooms chunk entry of a room.
    pub fn room_summary(&self, room_id: &RoomId) -> Result<Value> {
        let text = |kind: &str, key: &str| -> Result<Option<String>> {
            Ok(self
                .current_state_event(room_id, kind, "")?
                .and_then(|p| p.content_str(key)))
        };
        let join_rule = text("m.room.join_rules", "join_rule")?.unwrap_or_else(|| "invite".into());
        let mut summary = json!({
            "room_id": room_id,
            "num_joined_members": self.room_members(room_id, "join")?.len(),
            "world_readable": text("m.room.history_visibility", "history_visibility")?.as_deref() == Some("world_readable"),
            "guest_can_join": text("m.room.guest_access", "guest_access")?.as_deref() == Some("can_join"),
            "join_rule": join_rule,
        });
        for (field, kind, key) in [
            ("name", "m.room.name", "name"),
            ("topic", "m.room.topic", "topic"),
            ("avatar_url", "m.room.avatar", "url"),
            ("canonical_alias", "m.room.canonical_alias", "alias"),
        ] {
            if let Some(value) = text(kind, key)? {
                summary[field] = json!(value);
            }
        }
        if let Some(room_type) = self
            .current_state_event(room_id, "m.room.create", "")?
            .and_then(|c| c.content_str("type"))
        {
            summary["room_type"] = json!(room_type);
        }
        Ok(summary)
    }

    /// Users who share a room with `searcher` or are in a public room, matching `term`.
    pub fn search_users(
        &self,
        searcher: &UserId,
        term: &str,
        limit: usize,
    ) -> Result<(Vec<Value>, bool)> {
        let term = term.to_lowercase();
        let mut visible = std::collections::BTreeSet::new();
        for room in self.joined_rooms(searcher)? {
            let Ok(room_id) = RoomId::parse(&room) else {
                continue;
            };
            visible.extend(self.room_members(&room_id, "join")?);
        }
        for row in self.db.scan::<PublicRooms, _>(&(), Direction::Forward)? {
            let (room, ()) = row?;
            let Ok(room_id) = RoomId::parse(&room) else {
                continue;
            };
            visible.extend(self.room_members(&room_id, "join")?);
        }
        let mut results = Vec::new();
        for user in visible {
            let Ok(user_id) = UserId::parse(&user) else {
                continue;
            };
            let record = self.db.get::<Users>(&user)?.map(|j| j.0);
            let name = record.as_ref().and_then(|r| r.displayname.clone());
            let matches = user.to_lowercase().contains(&term)
                || name
                    .as_ref()
                    .is_some_and(|n| n.to_lowercase().contains(&term));
            if matches && record.as_ref().is_none_or(|r| !r.deactivated) {
                let mut entry = json!({ "user_id": user_id });
                if let Some(name) = name {
                    entry["display_name"] = json!(name);
                }
                if let Some(avatar) = record.and_then(|r| r.avatar_url) {
                    entry["avatar_url"] = json!(avatar);
                }
                results.push(entry);
            }
        }
        let limited = results.len() > limit;
        results.truncate(limit);
        Ok((results, limited))
    }
}
