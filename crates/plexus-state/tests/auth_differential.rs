//! Differential test of the authorization rules alone: random, often malformed events in
//! room versions 1–12 are checked by plexus-state's `check_auth` and by ruma-state-res's
//! state-independent + state-dependent rules against the same state; the verdicts must agree.
//!
//! `PLEXUS_AUTH_DIFF_CASES=N` runs more rooms (default 1000, ~65 events each).

#[allow(dead_code)]
#[path = "differential/ruma_adapter.rs"]
mod ruma_adapter;

use std::sync::Arc;

use plexus_state::{
    check_auth,
    fixture::{NewEvent, PlainEvent, RoomBuilder},
    StateMap,
};
use rand::{seq::SliceRandom, Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use ruma::{
    events::StateEventType, room_version_rules::AuthorizationRules, state_res, OwnedEventId,
    OwnedUserId, RoomVersionId, UserId,
};
use ruma_adapter::RumaEvent;
use serde_json::{json, Value};

const VERSIONS: [RoomVersionId; 12] = [
    RoomVersionId::V1,
    RoomVersionId::V2,
    RoomVersionId::V3,
    RoomVersionId::V4,
    RoomVersionId::V5,
    RoomVersionId::V6,
    RoomVersionId::V7,
    RoomVersionId::V8,
    RoomVersionId::V9,
    RoomVersionId::V10,
    RoomVersionId::V11,
    RoomVersionId::V12,
];

/// A power level value of a random flavour: integer, stringy, floaty or garbage.
///
/// Floats are generated only from v6, where both implementations reject them: in v1–v5 the
/// spec accepts and truncates them ("floaty" power levels) while ruma-state-res rejects them,
/// a known ruma deviation covered by the unit test `rule_10_1_floats_and_garbage_...`.
fn level(rng: &mut ChaCha8Rng, floats: bool) -> Value {
    let n: i64 = *[0, 10, 49, 50, 51, 75, 100, 101, -5].choose(rng).unwrap();
    match rng.gen_range(0..12) {
        0 => json!(format!(" {n} ")),
        1 => json!(format!("+{n}")),
        2 if floats => json!(n as f64 + 0.5),
        3 => json!("abc"),
        4 => json!(9_007_199_254_740_993_i64),
        _ => json!(n),
    }
}

fn random_power_levels(
    rng: &mut ChaCha8Rng,
    users: &[OwnedUserId],
    rules: &AuthorizationRules,
) -> Value {
    let v12 = rules.explicitly_privilege_room_creators;
    let floats = rules.strict_canonical_json;
    let mut content = serde_json::Map::new();
    for field in [
        "ban",
        "kick",
        "invite",
        "redact",
        "state_default",
        "events_default",
        "users_default",
    ] {
        if rng.gen_bool(0.3) {
            content.insert(field.into(), level(rng, floats));
        }
    }
    let mut levels = serde_json::Map::new();
    for user in users.iter().skip(usize::from(v12 && rng.gen_bool(0.8))) {
        if rng.gen_bool(0.6) {
            levels.insert(
                user.to_string(),
                if rng.gen_bool(0.8) {
                    json!(*[0, 50, 100].choose(rng).unwrap())
                } else {
                    level(rng, floats)
                },
            );
        }
    }
    if rng.gen_bool(0.05) {
        levels.insert("not-a-user".into(), json!(1));
    }
    content.insert("users".into(), Value::Object(levels));
    if rng.gen_bool(0.3) {
        content.insert(
            "events".into(),
            json!({ "m.room.topic": level(rng, floats), "m.room.power_levels": level(rng, floats) }),
        );
    }
    // Before v6 `notifications` plays no part in authorization, so the spec ignores garbage
    // there while ruma-state-res rejects it (known deviation, see the unit test
    // `rule_10_2_events_and_notifications_must_map_to_integers`): only valid values then.
    if rng.gen_bool(0.3) {
        let value = if rules.limit_notifications_power_levels {
            level(rng, floats)
        } else {
            json!(50)
        };
        content.insert("notifications".into(), json!({ "room": value }));
    }
    Value::Object(content)
}

/// A random, frequently odd event from a random sender.
fn random_event<'a>(
    rng: &mut ChaCha8Rng,
    users: &'a [OwnedUserId],
    rules: &AuthorizationRules,
) -> NewEvent<'a> {
    let sender = users.choose(rng).unwrap();
    let target = users.choose(rng).unwrap().as_str();
    match rng.gen_range(0..10) {
        0 | 1 => NewEvent::state(
            sender,
            "m.room.power_levels",
            "",
            random_power_levels(rng, users, rules),
        ),
        2 => {
            let rule = *[
                "public",
                "invite",
                "knock",
                "restricted",
                "knock_restricted",
                "private",
            ]
            .choose(rng)
            .unwrap();
            NewEvent::state(
                sender,
                "m.room.join_rules",
                "",
                json!({ "join_rule": rule }),
            )
        }
        3 => NewEvent::state(sender, "m.room.topic", "", json!({ "topic": "t" })),
        4 => {
            let key = *["a.org", "b.org", ""].choose(rng).unwrap();
            NewEvent::state(sender, "m.room.aliases", key, json!({ "aliases": [] }))
        }
        5 => NewEvent::message(sender, "m.room.message", json!({ "body": "hi" })),
        _ => {
            let membership = *["join", "invite", "leave", "ban", "knock", "dance"]
                .choose(rng)
                .unwrap();
            let target = if rng.gen_bool(0.5) {
                sender.as_str()
            } else {
                target
            };
            let mut content = json!({ "membership": membership });
            if rng.gen_bool(0.3) {
                content["join_authorised_via_users_server"] = json!(users.choose(rng).unwrap());
            }
            if rng.gen_bool(0.05) {
                content["third_party_invite"] =
                    json!({ "signed": { "mxid": target, "token": "tok" } });
            }
            NewEvent::state(sender, "m.room.member", target, content)
        }
    }
}

fn run_room(seed: u64) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let version = VERSIONS.choose(&mut rng).unwrap().clone();
    let users: Vec<OwnedUserId> = ["@alice:a.org", "@bob:a.org", "@carol:b.org", "@dave:c.org"]
        .iter()
        .map(|u| UserId::parse(*u).unwrap())
        .collect();
    let federate = if rng.gen_bool(0.1) {
        json!({ "m.federate": false })
    } else {
        json!({})
    };
    let mut room = RoomBuilder::new(&version, &users[0], federate);
    let v12 = room.rules.authorization.explicitly_privilege_room_creators;
    let mut state = room.initial_state();
    let mut head = room.create_id.clone();
    let mut disagreements = Vec::new();
    // A sensible start so that later random events have something to act on.
    let mut script: Vec<NewEvent<'_>> =
        vec![NewEvent::member(&users[0], users[0].as_str(), "join")];
    let start_levels = if v12 {
        json!({ "users": { users[1].as_str(): 50 } })
    } else {
        json!({ "users": { users[0].as_str(): 100, users[1].as_str(): 50 } })
    };
    script.push(NewEvent::state(
        &users[0],
        "m.room.power_levels",
        "",
        start_levels,
    ));
    script.push(NewEvent::state(
        &users[0],
        "m.room.join_rules",
        "",
        json!({ "join_rule": "public" }),
    ));
    for user in &users[1..] {
        script.push(NewEvent::member(user, user.as_str(), "join"));
    }
    for _ in 0..60 {
        script.push(random_event(
            &mut rng,
            &users,
            &room.rules.authorization.clone(),
        ));
    }
    for new in script {
        let event = room.build(new.after(std::slice::from_ref(&head)), &state);
        let verdicts = compare(&room, &state, &event);
        if let Some(why) = verdicts.1 {
            disagreements.push(format!("seed {seed} ({version}): {why}"));
        }
        if verdicts.0 {
            head = event.event_id.clone();
            if let Some(key) = &event.state_key {
                state.insert(
                    (event.event_type.to_string().into(), key.clone()),
                    event.event_id.clone(),
                );
            }
        }
    }
    disagreements
}

/// (plexus allowed, description of a disagreement).
fn compare(
    room: &RoomBuilder,
    state: &StateMap<OwnedEventId>,
    event: &Arc<PlainEvent>,
) -> (bool, Option<String>) {
    let rules = &room.rules.authorization;
    let lookup = |k: &StateEventType, key: &str| {
        state
            .get(&(k.clone(), key.to_owned()))
            .and_then(|id| room.fetch(id))
    };
    let ours = check_auth(rules, event, lookup);
    let fetch = |id: &ruma::EventId| room.fetch(id).map(RumaEvent);
    let theirs =
        state_res::check_state_independent_auth_rules(rules, RumaEvent(event.clone()), fetch)
            .and_then(|()| {
                state_res::check_state_dependent_auth_rules(
                    rules,
                    RumaEvent(event.clone()),
                    |k: &StateEventType, key: &str| lookup(k, key).map(RumaEvent),
                )
            });
    let disagreement = (ours.is_ok() != theirs.is_ok()).then(|| {
        format!(
            "{} {:?} by {} {}: plexus {ours:?} vs ruma {theirs:?}",
            event.event_type,
            event.state_key,
            event.sender,
            event.content.get()
        )
    });
    (ours.is_ok(), disagreement)
}

#[test]
fn plexus_and_ruma_authorize_random_events_identically() {
    let rooms: u64 = std::env::var("PLEXUS_AUTH_DIFF_CASES")
        .map(|n| n.parse().unwrap())
        .unwrap_or(1000);
    let disagreements: Vec<String> = (0..rooms).flat_map(run_room).collect();
    println!(
        "auth differential: {rooms} rooms, {} disagreements",
        disagreements.len()
    );
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
