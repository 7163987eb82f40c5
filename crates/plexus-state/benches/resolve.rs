//! State resolution benchmark: a room with 10,000 state events forked into two branches that
//! disagree on 100–1,000 keys, resolved by plexus-state and by ruma-state-res on the same
//! input. Run with `cargo bench -p plexus-state --bench resolve`.

#[allow(dead_code)]
#[path = "../tests/differential/ruma_adapter.rs"]
mod ruma_adapter;

use std::{collections::HashSet, hint::black_box, time::Duration};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use plexus_state::{
    fixture::{NewEvent, RoomBuilder},
    resolve, StateMap,
};
use ruma::{OwnedEventId, OwnedUserId, RoomVersionId, UserId};
use serde_json::json;

const STATE_EVENTS: usize = 10_000;

/// The prepared input of one resolution.
struct Input {
    room: RoomBuilder,
    state_sets: Vec<StateMap<OwnedEventId>>,
    auth_chains: Vec<HashSet<OwnedEventId>>,
}

/// Builds a public room with `STATE_EVENTS` state entries, then two branches: each changes the
/// display name of half of `conflicted` users (different halves) and the power levels.
fn build_input(version: &RoomVersionId, conflicted: usize) -> Input {
    let alice = UserId::parse("@alice:example.org").unwrap();
    let mut room = RoomBuilder::new(version, &alice, json!({}));
    let mut state = room.initial_state();
    let mut head = room.create_id.clone();
    let add = |room: &mut RoomBuilder,
               state: &mut StateMap<OwnedEventId>,
               head: &mut OwnedEventId,
               new: NewEvent<'_>| {
        let event = room.build(new.after(std::slice::from_ref(head)), state);
        let slot = (
            event.event_type.to_string().into(),
            event.state_key.clone().unwrap(),
        );
        state.insert(slot, event.event_id.clone());
        *head = event.event_id.clone();
    };
    add(
        &mut room,
        &mut state,
        &mut head,
        NewEvent::member(&alice, alice.as_str(), "join"),
    );
    let users: Vec<OwnedUserId> = (0..STATE_EVENTS - 4)
        .map(|i| UserId::parse(format!("@user{i}:example.org")).unwrap())
        .collect();
    let v12 = room.rules.authorization.explicitly_privilege_room_creators;
    let levels = |extra: u64| {
        let mut users = serde_json::Map::new();
        if !v12 {
            users.insert(alice.to_string(), json!(100));
        }
        users.insert(users_name(0), json!(50 + extra));
        json!({ "users": users })
    };
    add(
        &mut room,
        &mut state,
        &mut head,
        NewEvent::state(&alice, "m.room.power_levels", "", levels(0)),
    );
    let rule = json!({ "join_rule": "public" });
    add(
        &mut room,
        &mut state,
        &mut head,
        NewEvent::state(&alice, "m.room.join_rules", "", rule),
    );
    for user in &users {
        add(
            &mut room,
            &mut state,
            &mut head,
            NewEvent::member(user, user.as_str(), "join"),
        );
    }
    let mut branches = [(state.clone(), head.clone()), (state, head)];
    for (index, (state, head)) in branches.iter_mut().enumerate() {
        let pl = NewEvent::state(&alice, "m.room.power_levels", "", levels(index as u64 + 1));
        add(&mut room, state, head, pl);
        for user in users.iter().skip(index).step_by(2).take(conflicted / 2) {
            let content = json!({ "membership": "join", "displayname": format!("branch {index}") });
            add(
                &mut room,
                state,
                head,
                NewEvent::state(user, "m.room.member", user.as_str(), content),
            );
        }
    }
    let state_sets: Vec<_> = branches.into_iter().map(|(state, _)| state).collect();
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

fn users_name(i: usize) -> String {
    format!("@user{i}:example.org")
}

fn bench_resolve(c: &mut Criterion) {
    let mut group = c.benchmark_group("resolve_10k_state");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10))
        .warm_up_time(Duration::from_secs(1));
    for conflicted in [100, 300, 1000] {
        let input = build_input(&RoomVersionId::V11, conflicted);
        let fetch = |id: &ruma::EventId| input.room.fetch(id);
        group.bench_with_input(
            BenchmarkId::new("plexus_v11", conflicted),
            &input,
            |b, input| {
                b.iter(|| {
                    resolve(
                        &input.room.rules,
                        &input.state_sets,
                        input.auth_chains.clone(),
                        fetch,
                    )
                    .unwrap()
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("ruma_v11", conflicted),
            &input,
            |b, input| {
                b.iter(|| {
                    ruma_adapter::ruma_resolve(&input.room, &input.state_sets, &input.auth_chains)
                        .unwrap()
                })
            },
        );
        let v12 = build_input(&RoomVersionId::V12, conflicted);
        let fetch12 = |id: &ruma::EventId| v12.room.fetch(id);
        group.bench_with_input(
            BenchmarkId::new("plexus_v12", conflicted),
            &v12,
            |b, input| {
                b.iter(|| {
                    black_box(
                        resolve(
                            &input.room.rules,
                            &input.state_sets,
                            input.auth_chains.clone(),
                            fetch12,
                        )
                        .unwrap(),
                    )
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench_resolve);
criterion_main!(benches);
