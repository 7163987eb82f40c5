//! The authorization rules of room versions 1–12.
//!
//! [`check_auth`] applies the rules against whatever state the caller supplies through
//! `fetch_state`; the spec applies them three times per incoming PDU (against its auth events,
//! against the state before it, and against the current state for soft-failing), and the
//! same function serves all three. Signature checks (rule 5.2 `join_authorised_via_users_server`
//! and the requirement that events be signed by the sender's server) need keys and IO, so the
//! caller performs them before calling into this crate.

mod cache;
mod context;
mod create;
mod membership;
mod power_change;
mod power_levels;
mod selection;
mod third_party;

#[cfg(test)]
mod tests;

use std::collections::HashSet;

use ruma::{
    events::{StateEventType, TimelineEventType},
    room_version_rules::AuthorizationRules,
    RoomId,
};

pub(crate) use self::cache::ParseCache;
pub(crate) use self::context::RoomContext;
pub(crate) use self::selection::{auth_types_with_content, MemberSelection};
pub use self::{power_levels::UserPowerLevel, selection::auth_types_for_event};
use crate::{event::state_key_of, AuthError, Event};

/// Checks `event` against the authorization rules, given a room state.
///
/// `fetch_state(type, state_key)` returns the event occupying that state slot: either the state
/// before the event, or the event's own auth events as a state map. It must also answer
/// `(m.room.create, "")` in room version 12, where the create event is implied by the room ID
/// instead of being listed in `auth_events`.
pub fn check_auth<E: Event>(
    rules: &AuthorizationRules,
    event: &E,
    fetch_state: impl Fn(&StateEventType, &str) -> Option<E>,
) -> Result<(), AuthError> {
    check_auth_cached(rules, event, fetch_state, &ParseCache::default())
}

/// [`check_auth`] parsing event contents through `cache`, which state resolution shares
/// across all its checks.
pub(crate) fn check_auth_cached<E: Event>(
    rules: &AuthorizationRules,
    event: &E,
    fetch_state: impl Fn(&StateEventType, &str) -> Option<E>,
    cache: &ParseCache,
) -> Result<(), AuthError> {
    // Rule 1: the create event depends on no state.
    if *event.event_type() == TimelineEventType::RoomCreate {
        return create::check_create_event(rules, event);
    }
    let room = RoomContext::load(rules, &fetch_state, cache)?;
    if rules.room_create_event_id_as_room_id {
        check_room_id_names_create(event, &room.create)?;
    }
    // "If the content of the m.room.create event has m.federate set to false, and the sender
    // domain of the event does not match the sender domain of the create event, reject."
    if !cache.federates(&room.create)?
        && event.sender().server_name() != room.create.sender().server_name()
    {
        return Err(AuthError::NotFederated);
    }
    match event.event_type() {
        // ruma has no variant for the long-removed `m.room.aliases`, so compare the name.
        kind if rules.special_case_room_aliases && kind.to_string() == "m.room.aliases" => {
            check_aliases(event)
        }
        TimelineEventType::RoomMember => membership::check_membership(&room, event),
        _ => check_non_membership(&room, event),
    }
}

/// Checks `event` against the room's *current* state to decide whether to soft-fail it.
///
/// This is [`check_auth`] with a different state: the spec's step 6 of "checks performed on
/// receipt of a PDU". An `Err` means "soft fail": keep the event in the DAG, but do not use it
/// as a forward extremity or send it to clients.
pub fn check_soft_fail<E: Event>(
    rules: &AuthorizationRules,
    event: &E,
    fetch_current_state: impl Fn(&StateEventType, &str) -> Option<E>,
) -> Result<(), AuthError> {
    check_auth(rules, event, fetch_current_state)
}

/// Rule "considering the event's auth_events" (rule 2 in v1–v11, rule 3 in v12): checks the
/// event's cited auth events themselves. `auth_events` are the fetched events the PDU cites.
pub fn check_auth_events<E: Event>(
    rules: &AuthorizationRules,
    event: &E,
    auth_events: &[E],
) -> Result<(), AuthError> {
    if *event.event_type() == TimelineEventType::RoomCreate {
        return Ok(());
    }
    let reject = |why: String| Err(AuthError::AuthEvents(why));
    let allowed = auth_types_for_event(
        rules,
        event.event_type(),
        event.sender(),
        event.state_key(),
        event.content(),
    )?;
    let mut seen = HashSet::new();
    for auth_event in auth_events {
        let Some(key) = state_key_of(auth_event) else {
            return reject(format!("{} is not a state event", auth_event.event_id()));
        };
        // "If there are duplicate entries for a given type and state_key pair, reject."
        if !seen.insert(key.clone()) {
            return reject(format!("duplicate entry for {key:?}"));
        }
        // "If there are entries whose type and state_key don't match those specified by the
        // auth events selection algorithm, reject."
        if !allowed.contains(&key) {
            return reject(format!(
                "{key:?} is not selected by the auth events selection"
            ));
        }
        // "If there are entries which were themselves rejected, reject."
        if auth_event.rejected() {
            return reject(format!("{} was rejected", auth_event.event_id()));
        }
        // "If any event in auth_events has a room_id which does not match, reject."
        if auth_event.room_id() != event.room_id() {
            return reject(format!("{} is from another room", auth_event.event_id()));
        }
    }
    // v1–v11: "If there is no m.room.create event among the entries, reject."
    let create_key = (StateEventType::RoomCreate, String::new());
    if !rules.room_create_event_id_as_room_id && !seen.contains(&create_key) {
        return reject("no m.room.create event among the auth events".into());
    }
    Ok(())
}

/// Step 4 of the checks on receipt of a PDU: the rules against the event's *own* auth events.
///
/// Runs [`check_auth_events`] on `auth_events` (the fetched events the PDU cites), then
/// [`check_auth`] with those events as the state. From room version 12 the create event is not
/// cited, so pass it as `room_create` (it is ignored when `auth_events` already holds one).
pub fn check_auth_with_auth_events<E: Event + Clone>(
    rules: &AuthorizationRules,
    event: &E,
    auth_events: &[E],
    room_create: Option<&E>,
) -> Result<(), AuthError> {
    check_auth_events(rules, event, auth_events)?;
    let cited = |kind: &StateEventType, state_key: &str| {
        let found = auth_events.iter().find(|auth| {
            auth.event_type().to_string() == kind.to_string() && auth.state_key() == Some(state_key)
        });
        let create_fallback = (*kind == StateEventType::RoomCreate)
            .then_some(room_create)
            .flatten();
        found.or(create_fallback).cloned()
    };
    check_auth(rules, event, cited)
}

/// Rule 2 (v12): "If the event's room_id is not an event ID for an accepted (not rejected)
/// m.room.create event, with the sigil ! instead of $, reject."
fn check_room_id_names_create<E: Event>(event: &E, create: &E) -> Result<(), AuthError> {
    let expected = format!("!{}", create.event_id().as_str().trim_start_matches('$'));
    match event.room_id().map(RoomId::as_str) {
        _ if create.rejected() => Err(AuthError::RoomId("the create event was rejected".into())),
        Some(room_id) if room_id == expected => Ok(()),
        other => Err(AuthError::RoomId(format!("{other:?} is not {expected}"))),
    }
}

/// Rule 4 of room versions 1–5: `m.room.aliases` may only be sent by the server it names.
fn check_aliases<E: Event>(event: &E) -> Result<(), AuthError> {
    match event.state_key() {
        None => Err(AuthError::Aliases("event has no state_key".into())),
        Some(key) if key != event.sender().server_name().as_str() => Err(AuthError::Aliases(
            "sender's domain does not match state_key".into(),
        )),
        Some(_) => Ok(()),
    }
}

/// Rules 6–11: every event other than create and membership events.
fn check_non_membership<E: Event>(room: &RoomContext<'_, E>, event: &E) -> Result<(), AuthError> {
    let sender = event.sender();
    // Rule 6: "If the sender's current membership state is not join, reject."
    if room.membership(sender.as_str()) != "join" {
        return Err(AuthError::SenderNotJoined);
    }
    let sender_power = room.user_power(sender);
    // Rule 7: third-party invites need the invite level.
    if *event.event_type() == TimelineEventType::RoomThirdPartyInvite {
        let invite_level = room.level("invite");
        return match sender_power.reaches(invite_level) {
            true => Ok(()),
            false => Err(AuthError::InsufficientPower(format!(
                "invite level is {invite_level}"
            ))),
        };
    }
    // Rule 8: "If the event type's required power level is greater than the sender's power
    // level, reject."
    let event_type = event.event_type().to_string();
    let required = room.required_level(&event_type, event.state_key().is_some());
    if !sender_power.reaches(required) {
        return Err(AuthError::InsufficientPower(format!(
            "{event_type} requires {required}"
        )));
    }
    // Rule 9: "If the event has a state_key that starts with an @ and does not match the
    // sender, reject."
    if let Some(state_key) = event.state_key() {
        if state_key.starts_with('@') && state_key != sender.as_str() {
            return Err(AuthError::StateKeyNotSender(state_key.to_owned()));
        }
    }
    match event.event_type() {
        // Rule 10.
        TimelineEventType::RoomPowerLevels => power_change::check_power_levels(room, event),
        // Rule 11 of room versions 1–2.
        TimelineEventType::RoomRedaction if room.rules.special_case_room_redaction => {
            check_redaction_v1(room, event, sender_power)
        }
        // Rule 11: "Otherwise, allow."
        _ => Ok(()),
    }
}

/// Rule 11 of room versions 1–2: redactions need the redact level unless they redact an event
/// from the same server (judged by the domain of the event IDs).
fn check_redaction_v1<E: Event>(
    room: &RoomContext<'_, E>,
    event: &E,
    sender_power: UserPowerLevel,
) -> Result<(), AuthError> {
    if sender_power.reaches(room.level("redact")) {
        return Ok(());
    }
    let redacted_server = event.redacts().and_then(|id| id.server_name());
    match redacted_server {
        Some(server) if Some(server) == event.event_id().server_name() => Ok(()),
        _ => Err(AuthError::Redaction(
            "below redact level and not the same server".into(),
        )),
    }
}
