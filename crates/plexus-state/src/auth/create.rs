//! Rule 1 (the `m.room.create` event itself) and the facts other rules read from it:
//! the room creators and `m.federate`.

use std::collections::BTreeSet;

use ruma::{room_version_rules::AuthorizationRules, OwnedUserId, RoomVersionId, UserId};
use serde_json::{Map, Value};

use crate::{AuthError, Event};

/// Rule 1: checks an `m.room.create` event. The whole rule family lives here because a
/// create event is never checked against room state.
pub(crate) fn check_create_event<E: Event>(
    rules: &AuthorizationRules,
    event: &E,
) -> Result<(), AuthError> {
    let reject = |why: &str| Err(AuthError::Create(why.to_owned()));
    // 1.1: "If it has any prev_events, reject."
    if event.prev_events().next().is_some() {
        return reject("it has prev_events");
    }
    if rules.room_create_event_id_as_room_id {
        // 1.2 (v12): "If the event has a room_id, reject."
        if event.room_id().is_some() {
            return reject("a v12 create event must not have a room_id");
        }
    } else {
        // 1.2 (v1–v11): "If the domain of the room_id does not match the domain of the sender".
        let room_server = event.room_id().and_then(|room_id| room_id.server_name());
        if room_server != Some(event.sender().server_name()) {
            return reject("room_id domain does not match the sender's domain");
        }
    }
    let content = parse_content(event)?;
    // 1.3: "If content.room_version is present and is not a recognised version, reject."
    if let Some(version) = content.get("room_version") {
        let recognised = version
            .as_str()
            .and_then(|v| RoomVersionId::try_from(v).ok())
            .is_some_and(|v| v.rules().is_some());
        if !recognised {
            return reject("content.room_version is not a recognised room version");
        }
    }
    // 1.4 (v1–v10): "If content has no creator property, reject."
    if !rules.use_room_create_sender && !content.contains_key("creator") {
        return reject("content has no creator");
    }
    // 1.4 (v12): additional_creators must be an array of valid user IDs.
    if rules.additional_room_creators {
        if let Some(extra) = content.get("additional_creators") {
            parse_additional_creators(extra).map_err(AuthError::Create)?;
        }
    }
    Ok(())
}

/// The room creators: `content.creator` before v11, the `sender` from v11, plus
/// `additional_creators` from v12.
/// `content` is the create event's parsed content (see [`super::cache::ParseCache`]).
pub(crate) fn room_creators<E: Event>(
    rules: &AuthorizationRules,
    create: &E,
    content: &Result<Map<String, Value>, String>,
) -> Result<BTreeSet<OwnedUserId>, AuthError> {
    let content = create_content(content)?;
    let mut creators = BTreeSet::new();
    if rules.use_room_create_sender {
        creators.insert(create.sender().to_owned());
    } else {
        let creator = content
            .get("creator")
            .and_then(Value::as_str)
            .and_then(|c| UserId::parse(c).ok())
            .ok_or_else(|| AuthError::Malformed("m.room.create has no valid creator".into()))?;
        creators.insert(creator);
    }
    if rules.additional_room_creators {
        if let Some(extra) = content.get("additional_creators") {
            creators.extend(parse_additional_creators(extra).map_err(AuthError::Malformed)?);
        }
    }
    Ok(creators)
}

/// Whether the create event allows other servers to take part (`m.federate`, default true).
/// `content` is the create event's parsed content.
pub(crate) fn room_federates(
    content: &Result<Map<String, Value>, String>,
) -> Result<bool, AuthError> {
    Ok(create_content(content)?.get("m.federate") != Some(&Value::Bool(false)))
}

fn parse_additional_creators(value: &Value) -> Result<Vec<OwnedUserId>, String> {
    let array = value
        .as_array()
        .ok_or("additional_creators is not an array")?;
    array
        .iter()
        .map(|entry| {
            entry
                .as_str()
                .and_then(|user| UserId::parse(user).ok())
                .ok_or_else(|| format!("additional_creators entry {entry} is not a user ID"))
        })
        .collect()
}

fn parse_content<E: Event>(event: &E) -> Result<Map<String, Value>, AuthError> {
    serde_json::from_str(event.content().get())
        .map_err(|e| AuthError::Malformed(format!("m.room.create content: {e}")))
}

/// The create event's content object, or the error for unparseable content.
fn create_content(
    content: &Result<Map<String, Value>, String>,
) -> Result<&Map<String, Value>, AuthError> {
    content
        .as_ref()
        .map_err(|e| AuthError::Malformed(format!("m.room.create content: {e}")))
}
