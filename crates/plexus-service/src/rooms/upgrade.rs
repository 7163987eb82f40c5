//! `/rooms/{roomId}/upgrade`: a replacement room of a new version whose
//! create event names its predecessor, with the transferable state copied,
//! local aliases moved, and the old room tombstoned and restricted.

use ruma::{OwnedRoomId, OwnedUserId, RoomId, RoomVersionId, UserId};
use serde_json::{json, Map, Value};

use crate::{
    events::rules_for, events::NewEvent, rooms::CreateRoom, Result, ServiceError, Services,
};

/// State copied to the replacement room (power levels go separately).
const TRANSFERABLE_STATE: [&str; 8] = [
    "m.room.server_acl",
    "m.room.encryption",
    "m.room.name",
    "m.room.avatar",
    "m.room.topic",
    "m.room.guest_access",
    "m.room.history_visibility",
    "m.room.join_rules",
];

/// A parsed upgrade request.
#[derive(Clone, Debug)]
pub struct UpgradeRoom {
    pub new_version: RoomVersionId,
    /// Creators of the new room besides the caller (v12+ only).
    pub additional_creators: Vec<OwnedUserId>,
}

fn as_level(value: Option<&Value>) -> Option<i64> {
    value.and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
}

/// The highest level any action or event in `content` requires.
fn highest_required_level(content: &Value) -> i64 {
    let top = [
        "ban",
        "kick",
        "redact",
        "invite",
        "events_default",
        "state_default",
    ]
    .iter()
    .filter_map(|key| as_level(content.get(*key)));
    let events = content
        .get("events")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|events| events.values().filter_map(|v| as_level(Some(v))));
    top.chain(events).max().unwrap_or(100).max(100)
}

/// The power levels of the new room: the old ones, without creators in
/// `users` when creators are privileged, else with the upgrader able to act.
fn new_power_levels(
    old: &Value,
    upgrader: &UserId,
    creators: &[OwnedUserId],
    privileged: bool,
) -> Map<String, Value> {
    let mut content = old.as_object().cloned().unwrap_or_default();
    let mut users = content
        .get("users")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if privileged {
        users.remove(upgrader.as_str());
        for creator in creators {
            users.remove(creator.as_str());
        }
    } else {
        let current = as_level(users.get(upgrader.as_str())).unwrap_or(0);
        users.insert(
            upgrader.to_string(),
            json!(current.max(highest_required_level(old))),
        );
    }
    content.insert("users".into(), Value::Object(users));
    content
}

/// The old room's power levels after the upgrade: no sending, no inviting.
fn restricted_power_levels(old: &Value) -> Value {
    let mut content = old.as_object().cloned().unwrap_or_default();
    let users_default = as_level(content.get("users_default")).unwrap_or(0);
    let restricted = 50.max(users_default + 1);
    content.insert("events_default".into(), json!(restricted));
    content.insert("invite".into(), json!(restricted));
    Value::Object(content)
}

impl Services {
    /// Upgrades `room_id` to `request.new_version`; returns the replacement room.
    pub async fn upgrade_room(
        &self,
        room_id: &RoomId,
        user: &UserId,
        request: UpgradeRoom,
    ) -> Result<OwnedRoomId> {
        let new_rules = rules_for(request.new_version.as_str())?;
        if !self.room_exists(room_id)? || !self.is_joined(room_id, user)? {
            return Err(ServiceError::forbidden("you are not in this room"));
        }
        if !self.user_can_send_state(room_id, user, "m.room.tombstone")? {
            return Err(ServiceError::forbidden("you may not upgrade this room"));
        }
        let privileged = new_rules.authorization.explicitly_privilege_room_creators;
        if !privileged && !request.additional_creators.is_empty() {
            return Err(ServiceError::invalid(
                "additional_creators needs room version 12 or later",
            ));
        }
        let old_levels = self
            .current_state_event(room_id, "m.room.power_levels", "")?
            .map(|p| p.content_value());
        let create = self.replacement_create(
            room_id,
            &request,
            !new_rules.authorization.room_create_event_id_as_room_id,
        )?;
        let levels = old_levels
            .as_ref()
            .map(|old| new_power_levels(old, user, &request.additional_creators, privileged));
        let new_room = self
            .create_room(
                user,
                CreateRoom {
                    room_version: Some(request.new_version.clone()),
                    creation_content: Some(create),
                    power_level_content_override: levels,
                    initial_state: self.transferable_state(room_id)?,
                    ..CreateRoom::default()
                },
            )
            .await?;
        self.move_aliases(room_id, &new_room, user).await?;
        let tombstone =
            json!({"body": "This room has been replaced", "replacement_room": new_room});
        self.append_event(
            room_id,
            user,
            NewEvent::state("m.room.tombstone", "", tombstone),
        )
        .await?;
        if let Some(old) = &old_levels {
            let restricted =
                NewEvent::state("m.room.power_levels", "", restricted_power_levels(old));
            // Best effort: the upgrader may lack the power to change power levels.
            if let Err(e) = self.append_event(room_id, user, restricted).await {
                tracing::info!("could not restrict the upgraded room {room_id}: {e}");
            }
        }
        Ok(new_room)
    }

    /// The new create content: `predecessor`, the old `type`, additional creators.
    fn replacement_create(
        &self,
        room_id: &RoomId,
        request: &UpgradeRoom,
        with_event_id: bool,
    ) -> Result<Map<String, Value>> {
        let old_create = self
            .current_state_event(room_id, "m.room.create", "")?
            .ok_or_else(|| ServiceError::internal("room without a create event"))?
            .content_value();
        let mut predecessor = json!({ "room_id": room_id });
        if with_event_id {
            let room = self
                .room_record(room_id)?
                .ok_or_else(|| ServiceError::not_found("unknown room"))?;
            if let Some(last) = room.forward_extremities.first() {
                predecessor["event_id"] = json!(last);
            }
        }
        let mut create = Map::new();
        create.insert("predecessor".into(), predecessor);
        if let Some(kind) = old_create.get("type") {
            create.insert("type".into(), kind.clone());
        }
        if !request.additional_creators.is_empty() {
            create.insert(
                "additional_creators".into(),
                json!(request.additional_creators),
            );
        }
        Ok(create)
    }

    /// (type, "", content) of the old room's transferable state events.
    fn transferable_state(&self, room_id: &RoomId) -> Result<Vec<(String, String, Value)>> {
        let mut state = Vec::new();
        for kind in TRANSFERABLE_STATE {
            if let Some(event) = self.current_state_event(room_id, kind, "")? {
                state.push((kind.to_owned(), String::new(), event.content_value()));
            }
        }
        Ok(state)
    }

    /// Points the old room's local aliases at the new room and moves its canonical alias.
    async fn move_aliases(&self, old: &RoomId, new: &RoomId, user: &UserId) -> Result<()> {
        for alias in self.room_aliases(old)? {
            self.repoint_alias(&alias, old, new, user)?;
        }
        let Some(canonical) = self.current_state_event(old, "m.room.canonical_alias", "")? else {
            return Ok(());
        };
        let content = canonical.content_value();
        if content.as_object().is_none_or(|c| c.is_empty()) {
            return Ok(());
        }
        self.append_event(
            new,
            user,
            NewEvent::state("m.room.canonical_alias", "", content),
        )
        .await?;
        let cleared = NewEvent::state("m.room.canonical_alias", "", json!({}));
        if let Err(e) = self.append_event(old, user, cleared).await {
            tracing::info!("could not clear the canonical alias of {old}: {e}");
        }
        Ok(())
    }
}

impl Services {
    /// Moves one local alias from `old` to `new`, keeping its creator.
    fn repoint_alias(&self, alias: &str, old: &RoomId, new: &RoomId, user: &UserId) -> Result<()> {
        use crate::tables::{Aliases, RoomAliases};
        let record = self.db.get::<Aliases>(&alias.to_owned())?.map(|j| j.0);
        let creator = record.map_or_else(|| user.to_string(), |r| r.creator);
        let record = crate::records::AliasRecord {
            room_id: new.to_string(),
            creator,
        };
        let mut batch = self.db.batch();
        batch.put::<Aliases>(&alias.to_owned(), &plexus_storage::Json(record))?;
        batch.delete::<RoomAliases>(&(old.to_string(), alias.to_owned()))?;
        batch.put::<RoomAliases>(&(new.to_string(), alias.to_owned()), &())?;
        self.db.write(batch)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
