//! The hand-built state sets on which ruma-state-res's step-1 auth chain walk (edges inside
//! the full conflicted set only) gives a different answer from the spec's (whole auth chain).

use plexus_state::StateMap;
use ruma::OwnedEventId;

/// The events of the walk-deviation fixture that the assertions name.
pub struct WalkDeviationCase {
    pub room: plexus_state::fixture::RoomBuilder,
    pub state_sets: Vec<StateMap<OwnedEventId>>,
    pub bob_rejoin: OwnedEventId,
    pub bob_rename: OwnedEventId,
    pub bob_slot: (ruma::events::StateEventType, String),
}

pub fn build_walk_deviation_case() -> WalkDeviationCase {
    use plexus_state::fixture::{NewEvent, RoomBuilder};
    use ruma::{events::StateEventType, RoomVersionId, UserId};
    use serde_json::json;

    let (alice, bob, dave) = (
        UserId::parse("@alice:a.org").unwrap(),
        UserId::parse("@bob:a.org").unwrap(),
        UserId::parse("@dave:b.org").unwrap(),
    );
    let mut room = RoomBuilder::new(&RoomVersionId::V11, &alice, json!({}));
    let mut state = room.initial_state();
    let mut head = room.create_id.clone();
    let mut add =
        |room: &mut RoomBuilder, state: &mut StateMap<OwnedEventId>, new: NewEvent<'_>| {
            let event = room.build(new.after(std::slice::from_ref(&head)), state);
            let slot = (
                event.event_type.to_string().into(),
                event.state_key.clone().unwrap(),
            );
            state.insert(slot, event.event_id.clone());
            head = event.event_id.clone();
            event.event_id.clone()
        };
    let levels = json!({ "users": { alice.as_str(): 100, bob.as_str(): 100 } });
    add(
        &mut room,
        &mut state,
        NewEvent::member(&alice, alice.as_str(), "join"),
    );
    add(
        &mut room,
        &mut state,
        NewEvent::state(&alice, "m.room.power_levels", "", levels.clone()),
    );
    let public = json!({ "join_rule": "public" });
    add(
        &mut room,
        &mut state,
        NewEvent::state(&alice, "m.room.join_rules", "", public),
    );
    add(
        &mut room,
        &mut state,
        NewEvent::member(&bob, bob.as_str(), "join"),
    );
    let dave_join = add(
        &mut room,
        &mut state,
        NewEvent::member(&dave, dave.as_str(), "join"),
    );
    // B': bob's display name change on a side branch, earlier than X.
    let mut side = state.clone();
    let rename = json!({ "membership": "join", "displayname": "Bob" });
    let bob_rename = add(
        &mut room,
        &mut side,
        NewEvent::state(&bob, "m.room.member", bob.as_str(), rename),
    );
    // Main branch: bob leaves and re-joins (X), then sends power levels Y; alice kicks dave (P).
    add(
        &mut room,
        &mut state,
        NewEvent::member(&bob, bob.as_str(), "leave"),
    );
    let bob_rejoin = add(
        &mut room,
        &mut state,
        NewEvent::member(&bob, bob.as_str(), "join"),
    );
    let mut y_levels = levels;
    y_levels["kick"] = json!(60);
    add(
        &mut room,
        &mut state,
        NewEvent::state(&bob, "m.room.power_levels", "", y_levels),
    );
    add(
        &mut room,
        &mut state,
        NewEvent::state(&alice, "m.room.topic", "", json!({ "topic": "t" })),
    );
    add(
        &mut room,
        &mut state,
        NewEvent::member(&alice, dave.as_str(), "leave"),
    );
    // The other state set agrees on everything but bob's and dave's memberships.
    let mut other = state.clone();
    let bob_slot = (StateEventType::RoomMember, bob.to_string());
    other.insert(bob_slot.clone(), bob_rename.clone());
    other.insert((StateEventType::RoomMember, dave.to_string()), dave_join);
    WalkDeviationCase {
        room,
        state_sets: vec![state, other],
        bob_rejoin,
        bob_rename,
        bob_slot,
    }
}
