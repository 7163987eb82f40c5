//! Extensions: `to_device` (its own `since`; what came before it is
//! deleted), `e2ee` (device lists, one-time key counts, fallback key
//! types), and `account_data`, `receipts`, `typing`, each for the rooms its
//! `lists` and `rooms` select among those the response covers. Rooms sent
//! whole in this response get their full account data and receipts;
//! others get what changed since the `pos` answered.

use std::collections::{BTreeMap, BTreeSet};

use ruma::UserId;
use serde_json::{json, Map, Value};

use super::request::{ExtensionsRequest, ScopedExtension, ToDeviceRequest};
use crate::{sync::parse_token, Result, ServiceError, Services};

/// To-device messages per response when the request names no `limit` (as Synapse).
const DEFAULT_TO_DEVICE_LIMIT: usize = 100;

/// The rooms of a response, for scoping extensions.
pub(crate) struct ExtensionScope<'a> {
    /// List name → rooms in its ranges.
    pub lists: &'a BTreeMap<String, Vec<String>>,
    /// Subscribed rooms the user may see.
    pub subscribed: &'a BTreeSet<String>,
    /// Rooms new to the client in this response.
    pub initial: &'a BTreeSet<String>,
    /// The response's rooms (their timelines bound the receipts of new rooms).
    pub rooms: &'a Map<String, Value>,
}

/// The `extensions` object and whether it alone is worth answering a long-poll.
pub(crate) struct ExtensionsOutcome {
    pub value: Map<String, Value>,
    pub has_news: bool,
}

/// `lists` and `rooms` absent (or `*`) select every list and every subscription.
pub(super) fn scoped_rooms(ext: &ScopedExtension, scope: &ExtensionScope<'_>) -> BTreeSet<String> {
    let mut rooms = BTreeSet::new();
    let all =
        |names: &Option<Vec<String>>| names.as_ref().is_none_or(|n| n.iter().any(|x| x == "*"));
    for (name, in_range) in scope.lists {
        if all(&ext.lists) || ext.lists.as_ref().is_some_and(|n| n.contains(name)) {
            rooms.extend(in_range.iter().cloned());
        }
    }
    if all(&ext.rooms) {
        rooms.extend(scope.subscribed.iter().cloned());
    }
    let listed = scope.lists.values().flatten();
    let covered: BTreeSet<&String> = listed.chain(scope.subscribed.iter()).collect();
    for room in ext.rooms.iter().flatten() {
        if covered.contains(room) {
            rooms.insert(room.clone());
        }
    }
    rooms
}

fn enabled(flag: Option<bool>) -> bool {
    flag == Some(true)
}

impl Services {
    pub(crate) fn sliding_extensions(
        &self,
        user: &UserId,
        device: &str,
        req: &ExtensionsRequest,
        scope: &ExtensionScope<'_>,
        pos_stream: Option<u64>,
        current: u64,
    ) -> Result<ExtensionsOutcome> {
        let mut out = ExtensionsOutcome {
            value: Map::new(),
            has_news: false,
        };
        if enabled(req.to_device.enabled) {
            let value = self.to_device_extension(user, device, &req.to_device, current)?;
            out.has_news |= value["events"].as_array().is_some_and(|e| !e.is_empty());
            out.value.insert("to_device".into(), value);
        }
        if enabled(req.e2ee.enabled) {
            let value = self.e2ee_extension(user, device, pos_stream, current)?;
            let lists = &value["device_lists"];
            out.has_news |= lists["changed"] != json!([]) || lists["left"] != json!([]);
            out.value.insert("e2ee".into(), value);
        }
        if enabled(req.account_data.enabled) {
            let rooms = scoped_rooms(&req.account_data, scope);
            let value = self.account_data_extension(user, &rooms, scope, pos_stream)?;
            out.has_news |= value["global"] != json!([]) || value["rooms"] != json!({});
            out.value.insert("account_data".into(), value);
        }
        if enabled(req.receipts.enabled) {
            let rooms = scoped_rooms(&req.receipts, scope);
            let value = self.receipts_extension(user, &rooms, scope, pos_stream)?;
            out.has_news |= value["rooms"] != json!({});
            out.value.insert("receipts".into(), value);
        }
        if enabled(req.typing.enabled) {
            let rooms = scoped_rooms(&req.typing, scope);
            let value = self.typing_extension(&rooms, scope, pos_stream);
            out.has_news |= value["rooms"] != json!({});
            out.value.insert("typing".into(), value);
        }
        Ok(out)
    }

    /// Up to `limit` messages after `since` (up to `current`); those at or
    /// before `since` are acknowledged and deleted. `next_batch` is the next `since`.
    fn to_device_extension(
        &self,
        user: &UserId,
        device: &str,
        req: &ToDeviceRequest,
        current: u64,
    ) -> Result<Value> {
        let since = match req.since.as_deref() {
            Some(token) => Some(
                parse_token(token)
                    .ok_or_else(|| ServiceError::invalid("invalid to_device since token"))?,
            ),
            None => None,
        };
        let limit = req.limit.unwrap_or(DEFAULT_TO_DEVICE_LIMIT).max(1);
        let (events, next) = self.to_device_batch(user, device, since, current, limit)?;
        Ok(json!({ "next_batch": next.to_string(), "events": events }))
    }

    fn e2ee_extension(
        &self,
        user: &UserId,
        device: &str,
        pos_stream: Option<u64>,
        current: u64,
    ) -> Result<Value> {
        let lists = match pos_stream {
            Some(since) => self.device_list_changes(user, since, current)?,
            // A new connection has no `pos` to compare with, but its own
            // user's devices are named: one of them that uploaded keys
            // between the client's first key query and this response would
            // otherwise never be reported, and messages it sends would stay
            // undecryptable there. The client queries the list again.
            None => crate::e2ee::device_lists::DeviceListChanges {
                changed: vec![user.to_string()],
                left: Vec::new(),
            },
        };
        Ok(json!({
            "device_lists": { "changed": lists.changed, "left": lists.left },
            "device_one_time_keys_count": self.one_time_key_counts(user, device)?,
            "device_unused_fallback_key_types": self.unused_fallback_key_types(user, device)?,
        }))
    }

    fn account_data_extension(
        &self,
        user: &UserId,
        rooms: &BTreeSet<String>,
        scope: &ExtensionScope<'_>,
        pos_stream: Option<u64>,
    ) -> Result<Value> {
        let changed = self.account_data_since(user, pos_stream.unwrap_or(0))?;
        let needs_full = pos_stream.is_some() && rooms.iter().any(|r| scope.initial.contains(r));
        let full = if needs_full {
            self.account_data_since(user, 0)?
        } else {
            vec![]
        };
        let mut global = Vec::new();
        let mut by_room: Map<String, Value> = Map::new();
        for (room, kind, content) in &changed {
            let event = json!({ "type": kind, "content": content });
            if room.is_empty() {
                global.push(event);
            } else if rooms.contains(room) && !(needs_full && scope.initial.contains(room)) {
                push_room_event(&mut by_room, room, event);
            }
        }
        for (room, kind, content) in &full {
            if scope.initial.contains(room) && rooms.contains(room) {
                push_room_event(
                    &mut by_room,
                    room,
                    json!({ "type": kind, "content": content }),
                );
            }
        }
        Ok(json!({ "global": global, "rooms": by_room }))
    }

    fn receipts_extension(
        &self,
        user: &UserId,
        rooms: &BTreeSet<String>,
        scope: &ExtensionScope<'_>,
        pos_stream: Option<u64>,
    ) -> Result<Value> {
        let mut by_room = Map::new();
        for room in rooms {
            let initial = scope.initial.contains(room);
            let since = if initial { 0 } else { pos_stream.unwrap_or(0) };
            let Some(mut event) = self.receipts_since(room, user, since)? else {
                continue;
            };
            if initial {
                keep_relevant_receipts(&mut event, &scope.rooms[room], user.as_str());
            }
            if event["content"] != json!({}) {
                by_room.insert(room.clone(), event);
            }
        }
        Ok(json!({ "rooms": by_room }))
    }

    fn typing_extension(
        &self,
        rooms: &BTreeSet<String>,
        scope: &ExtensionScope<'_>,
        pos_stream: Option<u64>,
    ) -> Value {
        let mut by_room = Map::new();
        for room in rooms {
            let (users, changed_at) = self.typing_users(room);
            let initial = scope.initial.contains(room) || pos_stream.is_none();
            let changed = pos_stream.is_some_and(|since| changed_at > since);
            if changed || (initial && !users.is_empty()) {
                by_room.insert(
                    room.clone(),
                    json!({ "type": "m.typing", "content": { "user_ids": users } }),
                );
            }
        }
        json!({ "rooms": by_room })
    }
}

/// A room new to the client gets the receipts on the events of its timeline
/// and the user's own, not every receipt ever sent in the room.
fn keep_relevant_receipts(event: &mut Value, room: &Value, user: &str) {
    let in_timeline: BTreeSet<&str> = room["timeline"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["event_id"].as_str())
        .collect();
    let Some(content) = event["content"].as_object_mut() else {
        return;
    };
    for (event_id, by_type) in content.iter_mut() {
        if in_timeline.contains(event_id.as_str()) {
            continue;
        }
        let Some(by_type) = by_type.as_object_mut() else {
            continue;
        };
        for users in by_type.values_mut() {
            if let Some(users) = users.as_object_mut() {
                users.retain(|reader, _| reader == user);
            }
        }
        by_type.retain(|_, users| users.as_object().is_some_and(|u| !u.is_empty()));
    }
    content.retain(|_, by_type| by_type.as_object().is_some_and(|t| !t.is_empty()));
}

fn push_room_event(by_room: &mut Map<String, Value>, room: &str, event: Value) {
    let events = by_room.entry(room.to_owned()).or_insert_with(|| json!([]));
    if let Some(events) = events.as_array_mut() {
        events.push(event);
    }
}
