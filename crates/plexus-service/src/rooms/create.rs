//! `createRoom`: the create event, the creator's join, power levels,
//! preset state, initial state, name, topic, alias and invites, in the
//! order the spec gives.

use ruma::{OwnedRoomId, OwnedUserId, RoomVersionId, UserId};
use serde_json::{json, Map, Value};

use crate::{events::rules_for, events::NewEvent, Result, ServiceError, Services};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    PrivateChat,
    TrustedPrivateChat,
    PublicChat,
}

/// The parsed `createRoom` request.
#[derive(Clone, Debug, Default)]
pub struct CreateRoom {
    pub preset: Option<Preset>,
    pub public: bool,
    pub name: Option<String>,
    pub topic: Option<String>,
    pub invite: Vec<OwnedUserId>,
    pub is_direct: bool,
    pub room_alias_name: Option<String>,
    pub power_level_content_override: Option<Map<String, Value>>,
    pub room_version: Option<RoomVersionId>,
    pub creation_content: Option<Map<String, Value>>,
    /// (type, state key, content)
    pub initial_state: Vec<(String, String, Value)>,
}

impl Services {
    pub async fn create_room(&self, creator: &UserId, req: CreateRoom) -> Result<OwnedRoomId> {
        let version = req
            .room_version
            .clone()
            .unwrap_or_else(|| self.config.default_room_version.clone());
        let rules = rules_for(version.as_str())?;
        let preset = req.preset.unwrap_or(if req.public {
            Preset::PublicChat
        } else {
            Preset::PrivateChat
        });
        let alias = match &req.room_alias_name {
            Some(local) => Some(self.check_alias_free(local)?),
            None => None,
        };
        let v12 = rules.authorization.explicitly_privilege_room_creators;
        let trusted_invitees = preset == Preset::TrustedPrivateChat;

        let mut create = req.creation_content.clone().unwrap_or_default();
        create.insert("room_version".into(), json!(version.as_str()));
        if !rules.authorization.use_room_create_sender {
            create.insert("creator".into(), json!(creator));
        }
        if v12 && trusted_invitees && !req.invite.is_empty() {
            merge_additional_creators(&mut create, &req.invite);
        }
        let create_pdu = self
            .create_room_event(creator, &version, Value::Object(create))
            .await?;
        let room_id = create_pdu.room_id.clone();

        self.join_event(&room_id, creator, None).await?;
        let power_levels = default_power_levels(creator, &req, preset, v12);
        self.append_event(
            &room_id,
            creator,
            NewEvent::state("m.room.power_levels", "", power_levels),
        )
        .await?;
        if let Some(alias) = &alias {
            self.add_alias(alias, &room_id, creator)?;
        }
        for event in initial_events(&req, preset, alias.as_deref()) {
            self.append_event(&room_id, creator, event).await?;
        }
        for invitee in &req.invite {
            self.invite(&room_id, creator, invitee, None, req.is_direct)
                .await?;
        }
        if req.public {
            self.set_room_public(&room_id, true)?;
        }
        Ok(room_id)
    }
}

/// The state events after the power levels, in the spec's order: the
/// canonical alias, the preset's events (unless `initial_state` sets them),
/// `initial_state`, the name and the topic.
fn initial_events(req: &CreateRoom, preset: Preset, alias: Option<&str>) -> Vec<NewEvent> {
    let mut events = Vec::new();
    if let Some(alias) = alias {
        let content = json!({ "alias": alias });
        events.push(NewEvent::state("m.room.canonical_alias", "", content));
    }
    for (kind, content) in preset_state(preset) {
        let overridden = req
            .initial_state
            .iter()
            .any(|(t, k, _)| *t == kind && k.is_empty());
        if !overridden {
            events.push(NewEvent::state(kind, "", content));
        }
    }
    for (kind, key, content) in &req.initial_state {
        events.push(NewEvent::state(kind, key, content.clone()));
    }
    if let Some(name) = &req.name {
        events.push(NewEvent::state("m.room.name", "", json!({ "name": name })));
    }
    if let Some(topic) = &req.topic {
        let content =
            json!({ "topic": topic, "m.topic": [{ "body": topic, "mimetype": "text/plain" }] });
        events.push(NewEvent::state("m.room.topic", "", content));
    }
    events
}

/// Spec (createRoom, v1.16): invitees of `trusted_private_chat` join any
/// `additional_creators` the client gave, without duplicates.
fn merge_additional_creators(create: &mut Map<String, Value>, invitees: &[OwnedUserId]) {
    let mut creators: Vec<Value> = create
        .get("additional_creators")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for invitee in invitees {
        let invitee = json!(invitee);
        if !creators.contains(&invitee) {
            creators.push(invitee);
        }
    }
    create.insert("additional_creators".into(), Value::Array(creators));
}

fn default_power_levels(creator: &UserId, req: &CreateRoom, preset: Preset, v12: bool) -> Value {
    let mut users = Map::new();
    if !v12 {
        users.insert(creator.to_string(), json!(100));
        if preset == Preset::TrustedPrivateChat {
            for invitee in &req.invite {
                users.insert(invitee.to_string(), json!(100));
            }
        }
    }
    let mut content = json!({
        "users": users,
        "users_default": 0,
        "events": {
            "m.room.name": 50,
            "m.room.power_levels": 100,
            "m.room.history_visibility": 100,
            "m.room.canonical_alias": 50,
            "m.room.avatar": 50,
            // v12: creators have unbounded power, so tombstones must need more than state_default's 100.
            "m.room.tombstone": if v12 { 150 } else { 100 },
            "m.room.server_acl": 100,
            "m.room.encryption": 100,
        },
        "events_default": 0,
        "state_default": 50,
        "ban": 50,
        "kick": 50,
        "redact": 50,
        "invite": if preset == Preset::PublicChat { 50 } else { 0 },
        "historical": 100,
        "notifications": { "room": 50 },
    });
    if let (Some(overrides), Some(target)) =
        (&req.power_level_content_override, content.as_object_mut())
    {
        for (key, value) in overrides {
            target.insert(key.clone(), value.clone());
        }
    }
    content
}

fn preset_state(preset: Preset) -> Vec<(&'static str, Value)> {
    let join_rule = if preset == Preset::PublicChat {
        "public"
    } else {
        "invite"
    };
    let guest_access = if preset == Preset::PublicChat {
        "forbidden"
    } else {
        "can_join"
    };
    vec![
        ("m.room.join_rules", json!({ "join_rule": join_rule })),
        (
            "m.room.history_visibility",
            json!({ "history_visibility": "shared" }),
        ),
        (
            "m.room.guest_access",
            json!({ "guest_access": guest_access }),
        ),
    ]
}

impl Services {
    /// `#local:server` if free, else `M_ROOM_IN_USE`.
    pub fn check_alias_free(&self, local: &str) -> Result<String> {
        if local.is_empty() || local.contains(':') || local.contains(char::is_whitespace) {
            return Err(ServiceError::invalid("invalid room alias name"));
        }
        let alias = format!("#{local}:{}", self.server_name());
        ruma::RoomAliasId::parse(&alias).map_err(|e| ServiceError::invalid(e.to_string()))?;
        if self.resolve_alias(&alias)?.is_some() {
            return Err(ServiceError::RoomInUse("room alias already taken".into()));
        }
        Ok(alias)
    }
}
