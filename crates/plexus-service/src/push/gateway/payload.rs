//! The notifications one event gives rise to: for each user with a pusher
//! (all local) joined to the room, other than the sender, whose push rules
//! say notify, one request per HTTP pusher,
//! shaped as the Push Gateway API's `notification` (`event_id_only` pushers
//! get no content). `counts.unread` is the number of the user's rooms with
//! unread notifications, what apps show as the badge.

use std::collections::BTreeMap;

use plexus_core::Pdu;
use plexus_storage::{Direction, Json};
use ruma::{push::Action, OwnedUserId, RoomId, UserId};
use serde_json::{json, Map, Value};

use crate::{tables::Pushers, Result, Services};

/// Fields an `event_id_only` pusher does not get.
const CONTENT_FIELDS: &[&str] = &[
    "type",
    "sender",
    "sender_display_name",
    "room_name",
    "content",
    "user_is_target",
];

/// One POST to one push gateway.
#[derive(Debug, Clone)]
pub struct PushDelivery {
    pub user: OwnedUserId,
    pub app_id: String,
    pub pushkey: String,
    pub url: String,
    pub body: Value,
}

impl Services {
    /// The deliveries `pdu` gives rise to (none for the sender, for events
    /// not in the timeline, or for members whose rules stay silent).
    pub fn push_deliveries(&self, pdu: &Pdu) -> Result<Vec<PushDelivery>> {
        let meta = self.event_meta(pdu.event_id.as_str())?;
        if meta.is_none_or(|m| m.stream == 0 || m.rejected || m.soft_failed) {
            return Ok(Vec::new());
        }
        // Few users have pushers: start from them, not from the members.
        let mut deliveries = Vec::new();
        for (user, pushers) in self.all_pushers()? {
            if user == pdu.sender || !self.is_joined(&pdu.room_id, &user)? {
                continue;
            }
            let actions = self.actions_for(&user, pdu)?;
            if !actions.iter().any(Action::should_notify) {
                continue;
            }
            let notification = self.notification(&user, pdu, &actions)?;
            deliveries.extend(
                pushers
                    .iter()
                    .filter_map(|p| delivery(&user, p, &notification)),
            );
        }
        Ok(deliveries)
    }

    /// Every user with a pusher, with their pushers.
    fn all_pushers(&self) -> Result<BTreeMap<OwnedUserId, Vec<Value>>> {
        let mut all: BTreeMap<OwnedUserId, Vec<Value>> = BTreeMap::new();
        for row in self.db.scan::<Pushers, _>(&(), Direction::Forward)? {
            let ((user, _, _), Json(pusher)) = row?;
            if let Ok(user) = UserId::parse(user.as_str()) {
                all.entry(user).or_default().push(pusher);
            }
        }
        Ok(all)
    }

    fn actions_for(&self, user: &UserId, pdu: &Pdu) -> Result<Vec<Action>> {
        if self.visible_event(user, pdu.event_id.as_str())?.is_none() {
            return Ok(Vec::new());
        }
        let ruleset = self.push_ruleset(user)?;
        let ctx = self.push_context(&pdu.room_id, user)?;
        self.push_actions(&ruleset, &ctx, pdu)
    }

    /// The full `notification` object (before per-pusher trimming), with
    /// the tweaks under `tweaks` for [`delivery`] to move into the device.
    fn notification(&self, user: &UserId, pdu: &Pdu, actions: &[Action]) -> Result<Value> {
        let room_name = self
            .current_state_event(&pdu.room_id, "m.room.name", "")?
            .and_then(|e| e.content_str("name"));
        let sender_name = self
            .current_state_event(&pdu.room_id, "m.room.member", pdu.sender.as_str())?
            .and_then(|e| e.content_str("displayname"));
        let tweaks = tweaks(actions);
        let loud = tweaks.get("sound").is_some() || tweaks.get("highlight") == Some(&json!(true));
        let mut notification = json!({
            "event_id": pdu.event_id,
            "room_id": pdu.room_id,
            "type": pdu.kind.to_string(),
            "sender": pdu.sender,
            "content": pdu.content_value(),
            "prio": if loud { "high" } else { "low" },
            "counts": { "unread": self.rooms_with_unread(user)? },
            "tweaks": tweaks,
        });
        if let Some(name) = room_name {
            notification["room_name"] = json!(name);
        }
        if let Some(name) = sender_name {
            notification["sender_display_name"] = json!(name);
        }
        if pdu.state_key.as_deref() == Some(user.as_str()) {
            notification["user_is_target"] = json!(true);
        }
        Ok(notification)
    }

    /// Rooms the user is joined to with at least one unread notification.
    fn rooms_with_unread(&self, user: &UserId) -> Result<u64> {
        let mut rooms = 0;
        for (room, membership) in self.user_memberships(user)? {
            if membership.membership != "join" {
                continue;
            }
            let Ok(room_id) = RoomId::parse(room.as_str()) else {
                continue;
            };
            let counts = self.unread_counts(&room_id, user, membership.stream)?;
            rooms += u64::from(counts.notify > 0);
        }
        Ok(rooms)
    }
}

/// The `set_tweak` actions as a `tweaks` object (`highlight` without a
/// value is `true`).
fn tweaks(actions: &[Action]) -> Map<String, Value> {
    let mut tweaks = Map::new();
    for action in actions {
        let Ok(Value::Object(set)) = serde_json::to_value(action) else {
            continue;
        };
        if let Some(Value::String(name)) = set.get("set_tweak") {
            let value = set.get("value").cloned().unwrap_or(Value::Bool(true));
            tweaks.insert(name.clone(), value);
        }
    }
    tweaks
}

/// The request for one pusher: its device entry, content left out for
/// `event_id_only`. `None` for pushers that are not HTTP or have no URL.
fn delivery(user: &UserId, pusher: &Value, notification: &Value) -> Option<PushDelivery> {
    if pusher["kind"] != "http" {
        return None;
    }
    let url = pusher["data"]["url"].as_str()?.to_owned();
    let mut notification = notification.clone();
    let object = notification.as_object_mut()?;
    let tweaks = object.remove("tweaks").unwrap_or_default();
    if pusher["data"]["format"] == "event_id_only" {
        for field in CONTENT_FIELDS {
            object.remove(*field);
        }
    }
    let mut data = pusher["data"].clone();
    data.as_object_mut()?.remove("url");
    notification["devices"] = json!([{
        "app_id": pusher["app_id"],
        "pushkey": pusher["pushkey"],
        "pushkey_ts": pusher["pushkey_ts"].as_u64().unwrap_or(0),
        "data": data,
        "tweaks": tweaks,
    }]);
    Some(PushDelivery {
        user: user.to_owned(),
        app_id: pusher["app_id"].as_str()?.to_owned(),
        pushkey: pusher["pushkey"].as_str()?.to_owned(),
        url,
        body: json!({ "notification": notification }),
    })
}
