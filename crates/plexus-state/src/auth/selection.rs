//! The spec's "auth events selection" algorithm: which state an event must cite.

use ruma::{
    events::{StateEventType, TimelineEventType},
    room_version_rules::AuthorizationRules,
    UserId,
};
use serde_json::{value::RawValue, Map, Value};

use crate::AuthError;

/// Which `(type, state_key)` pairs a new event must cite in its `auth_events`.
///
/// Follows the server-server API section "Auth events selection": the create event (except
/// from room version 12, where the room ID implies it), the power levels, the sender's
/// membership and, for `m.room.member` events, the target's membership, the join rules, the
/// third-party invite named by the token and the restricted-join authoriser's membership.
pub fn auth_types_for_event(
    rules: &AuthorizationRules,
    kind: &TimelineEventType,
    sender: &UserId,
    state_key: Option<&str>,
    content: &RawValue,
) -> Result<Vec<(StateEventType, String)>, AuthError> {
    let parse_content = || {
        let content: Value = serde_json::from_str(content.get())
            .map_err(|e| AuthError::Malformed(format!("m.room.member content: {e}")))?;
        // A non-object has no `membership`, which the membership selection reports.
        Ok(match content {
            Value::Object(map) => map,
            _ => Map::new(),
        })
    };
    auth_types_with_content(rules, kind, sender, state_key, |select| {
        select(&parse_content()?)
    })
}

/// Receives the parsed content of an `m.room.member` event.
pub(crate) type MemberSelection<'s> =
    &'s mut dyn FnMut(&Map<String, Value>) -> Result<(), AuthError>;

/// [`auth_types_for_event`] with the content supplied by `with_member_content`, which is
/// only called for `m.room.member` events (other events' contents play no part, and need not
/// even parse). It hands the member event's content object to the selection it is given, so
/// that the caller may lend out content it has already parsed.
pub(crate) fn auth_types_with_content(
    rules: &AuthorizationRules,
    kind: &TimelineEventType,
    sender: &UserId,
    state_key: Option<&str>,
    with_member_content: impl FnOnce(MemberSelection<'_>) -> Result<(), AuthError>,
) -> Result<Vec<(StateEventType, String)>, AuthError> {
    // "The auth_events for the m.room.create event in a room is empty."
    if *kind == TimelineEventType::RoomCreate {
        return Ok(Vec::new());
    }
    let mut selected = Vec::with_capacity(6);
    if !rules.room_create_event_id_as_room_id {
        selected.push((StateEventType::RoomCreate, String::new()));
    }
    selected.push((StateEventType::RoomPowerLevels, String::new()));
    selected.push((StateEventType::RoomMember, sender.to_string()));

    if *kind == TimelineEventType::RoomMember {
        let target = state_key
            .ok_or_else(|| AuthError::Malformed("m.room.member event without state_key".into()))?;
        with_member_content(&mut |content| {
            push_membership_auth_types(rules, target, content, &mut selected)
        })?;
    }
    Ok(selected)
}

/// The extra selections for an `m.room.member` event.
fn push_membership_auth_types(
    rules: &AuthorizationRules,
    target: &str,
    content: &Map<String, Value>,
    selected: &mut Vec<(StateEventType, String)>,
) -> Result<(), AuthError> {
    let membership = content
        .get("membership")
        .and_then(Value::as_str)
        .ok_or_else(|| AuthError::Malformed("m.room.member content without membership".into()))?;

    let target_key = (StateEventType::RoomMember, target.to_owned());
    if !selected.contains(&target_key) {
        selected.push(target_key);
    }
    if matches!(membership, "join" | "invite" | "knock") {
        selected.push((StateEventType::RoomJoinRules, String::new()));
    }
    if membership == "invite" {
        let token = content
            .get("third_party_invite")
            .and_then(|invite| invite.get("signed"))
            .and_then(|signed| signed.get("token"))
            .and_then(Value::as_str);
        if let Some(token) = token {
            selected.push((StateEventType::RoomThirdPartyInvite, token.to_owned()));
        }
    }
    if membership == "join" && rules.restricted_join_rule {
        let authoriser = content
            .get("join_authorised_via_users_server")
            .and_then(Value::as_str);
        if let Some(authoriser) = authoriser {
            let key = (StateEventType::RoomMember, authoriser.to_owned());
            if !selected.contains(&key) {
                selected.push(key);
            }
        }
    }
    Ok(())
}
