//! The benchmark input shared by `benches/resolve.rs` and `examples/resolve_profile.rs`: a
//! room with 10,000 state events forked into two branches that disagree on a chosen number of
//! keys.

use std::collections::HashSet;

use plexus_state::{
    fixture::{NewEvent, RoomBuilder},
    StateMap,
};
use ruma::{OwnedEventId, OwnedUserId, RoomVersionId, UserId};
use serde_json::json;

const STATE_EVENTS: usize = 10_000;

/// The prepared input of one resolution.
pub struct Input {
    pub room: RoomBuilder,
    pub state_sets: Vec<StateMap<OwnedEventId>>,
    pub auth_chains: Vec<HashSet<OwnedEventId>>,
}

/// A linear history: its state and newest event.
struct Branch {
    state: StateMap<OwnedEventId>,
    head: OwnedEventId,
}

impl Branch {
    fn add(&mut self, room: &mut RoomBuilder, new: NewEvent<'_>) {
        let event = room.build(new.after(std::slice::from_ref(&self.head)), &self.state);
        let slot = (
            event.event_type.to_string().into(),
            event.state_key.clone().unwrap(),
        );
        self.state.insert(slot, event.event_id.clone());
        self.head = event.event_id.clone();
    }
}

/// Power levels: alice 100 (unless she is a v12 creator) and user0 at 50 + `bump`.
fn power_levels(room: &RoomBuilder, alice: &UserId, bump: u64) -> serde_json::Value {
    let mut users = serde_json::Map::new();
    if !room.rules.authorization.explicitly_privilege_room_creators {
        users.insert(alice.to_string(), json!(100));
    }
    users.insert("@user0:example.org".to_owned(), json!(50 + bump));
    json!({ "users": users })
}

/// A public room with `STATE_EVENTS` state entries; returns it, its users and its state.
fn build_room(version: &RoomVersionId, alice: &UserId) -> (RoomBuilder, Vec<OwnedUserId>, Branch) {
    let mut room = RoomBuilder::new(version, alice, json!({}));
    let mut branch = Branch {
        state: room.initial_state(),
        head: room.create_id.clone(),
    };
    branch.add(&mut room, NewEvent::member(alice, alice.as_str(), "join"));
    let levels = power_levels(&room, alice, 0);
    branch.add(
        &mut room,
        NewEvent::state(alice, "m.room.power_levels", "", levels),
    );
    let rule = json!({ "join_rule": "public" });
    branch.add(
        &mut room,
        NewEvent::state(alice, "m.room.join_rules", "", rule),
    );
    let users: Vec<OwnedUserId> = (0..STATE_EVENTS - 4)
        .map(|i| UserId::parse(format!("@user{i}:example.org")).unwrap())
        .collect();
    for user in &users {
        branch.add(&mut room, NewEvent::member(user, user.as_str(), "join"));
    }
    (room, users, branch)
}

/// The room forked into two branches: each changes the power levels and the display names of
/// half of `conflicted` users (different halves).
pub fn build_input(version: &RoomVersionId, conflicted: usize) -> Input {
    let alice = UserId::parse("@alice:example.org").unwrap();
    let (mut room, users, base) = build_room(version, &alice);
    let mut branches = [
        Branch {
            state: base.state.clone(),
            head: base.head.clone(),
        },
        Branch {
            state: base.state,
            head: base.head,
        },
    ];
    for (index, branch) in branches.iter_mut().enumerate() {
        let levels = power_levels(&room, &alice, index as u64 + 1);
        branch.add(
            &mut room,
            NewEvent::state(&alice, "m.room.power_levels", "", levels),
        );
        for user in users.iter().skip(index).step_by(2).take(conflicted / 2) {
            let content = json!({ "membership": "join", "displayname": format!("branch {index}") });
            branch.add(
                &mut room,
                NewEvent::state(user, "m.room.member", user.as_str(), content),
            );
        }
    }
    let state_sets: Vec<_> = branches.into_iter().map(|branch| branch.state).collect();
    let auth_chains = state_sets
        .iter()
        .map(|s| room.auth_chain(s.values()))
        .collect();
    Input {
        room,
        state_sets,
        auth_chains,
    }
}
