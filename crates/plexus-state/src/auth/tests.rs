//! Unit tests for the authorization rules, one (or a few) per rule, across room versions.
//! Each test names the rule it covers by its number in the room version 12 list unless
//! stated otherwise.

mod create;
mod membership;
mod others;
mod power_levels;
mod selection;
mod third_party;

use std::sync::Arc;

use ruma::{events::StateEventType, OwnedEventId, OwnedUserId, RoomVersionId, UserId};
use serde_json::{json, Value};

use crate::{
    check_auth,
    fixture::{NewEvent, PlainEvent, RoomBuilder},
    AuthError, StateMap,
};

pub(super) fn user(name: &str) -> OwnedUserId {
    UserId::parse(format!("@{name}:example.org")).expect("valid user ID")
}

pub(super) fn remote_user(name: &str) -> OwnedUserId {
    UserId::parse(format!("@{name}:remote.test")).expect("valid user ID")
}

/// Every room version this crate supports.
pub(super) fn all_versions() -> Vec<RoomVersionId> {
    use RoomVersionId::*;
    vec![V1, V2, V3, V4, V5, V6, V7, V8, V9, V10, V11, V12]
}

pub(super) fn versions_from(first: u8) -> Vec<RoomVersionId> {
    all_versions()
        .into_iter()
        .skip(usize::from(first) - 1)
        .collect()
}

pub(super) fn versions_before(end: u8) -> Vec<RoomVersionId> {
    all_versions()
        .into_iter()
        .take(usize::from(end) - 1)
        .collect()
}

/// A room whose state is kept linear: each sent event follows the previous one.
pub(super) struct TestRoom {
    pub builder: RoomBuilder,
    pub state: StateMap<OwnedEventId>,
    pub last: OwnedEventId,
}

impl TestRoom {
    /// Only the create event, sent by `alice`.
    pub fn bare(version: &RoomVersionId, create_extra: Value) -> Self {
        let builder = RoomBuilder::new(version, &user("alice"), create_extra);
        let state = builder.initial_state();
        let last = builder.create_id.clone();
        Self {
            builder,
            state,
            last,
        }
    }

    /// A public room: alice (creator, 100) and bob (50) joined; power levels with the given
    /// extra content merged in. In v12 alice is not listed (creators may not be).
    pub fn public(version: &RoomVersionId, extra_power_levels: Value) -> Self {
        let mut room = Self::bare(version, json!({}));
        let alice = user("alice");
        room.send_ok(NewEvent::member(&alice, alice.as_str(), "join"));
        let mut users = json!({ user("bob").as_str(): 50 });
        if !room
            .builder
            .rules
            .authorization
            .explicitly_privilege_room_creators
        {
            users[alice.as_str()] = json!(100);
        }
        let mut content = json!({ "users": users });
        if let (Some(base), Value::Object(extra)) = (content.as_object_mut(), extra_power_levels) {
            base.extend(extra);
        }
        room.send_ok(NewEvent::state(&alice, "m.room.power_levels", "", content));
        room.set_join_rule("public");
        let bob = user("bob");
        room.send_ok(NewEvent::member(&bob, bob.as_str(), "join"));
        room
    }

    pub fn set_join_rule(&mut self, rule: &str) {
        let alice = user("alice");
        let content = json!({ "join_rule": rule });
        self.send_ok(NewEvent::state(&alice, "m.room.join_rules", "", content));
    }

    /// Builds the event after the last one, citing auth events from the current state.
    pub fn build(&mut self, new: NewEvent<'_>) -> Arc<PlainEvent> {
        let new = new.after(std::slice::from_ref(&self.last));
        self.builder.build(new, &self.state)
    }

    /// Checks an already built event against the current state.
    pub fn check_event(&self, event: &Arc<PlainEvent>) -> Result<(), AuthError> {
        let rules = &self.builder.rules.authorization;
        check_auth(rules, event, |kind: &StateEventType, key: &str| {
            self.state
                .get(&(kind.clone(), key.to_owned()))
                .and_then(|id| self.builder.fetch(id))
        })
    }

    /// Builds and checks an event without applying it.
    pub fn check(&mut self, new: NewEvent<'_>) -> Result<(), AuthError> {
        let event = self.build(new);
        self.check_event(&event)
    }

    /// Builds, checks and (if allowed) applies an event.
    pub fn send(&mut self, new: NewEvent<'_>) -> Result<(), AuthError> {
        let event = self.build(new);
        self.check_event(&event)?;
        self.last = event.event_id.clone();
        if let Some(key) = &event.state_key {
            let slot = (event.event_type.to_string().into(), key.clone());
            self.state.insert(slot, event.event_id.clone());
        }
        Ok(())
    }

    /// Sends an event that must be allowed (setup steps).
    pub fn send_ok(&mut self, new: NewEvent<'_>) {
        let description = format!("{new:?}");
        if let Err(error) = self.send(new) {
            panic!("setup event {description} was rejected: {error}");
        }
    }

    /// Joins a user to a public room.
    pub fn join(&mut self, who: &UserId) {
        self.send_ok(NewEvent::member(who, who.as_str(), "join"));
    }
}

/// Asserts the result is the expected error variant.
#[track_caller]
pub(super) fn assert_rejected_by(
    result: Result<(), AuthError>,
    matches: fn(&AuthError) -> bool,
    version: &RoomVersionId,
) {
    match result {
        Err(error) if matches(&error) => {}
        other => panic!("room version {version}: expected a specific rejection, got {other:?}"),
    }
}
