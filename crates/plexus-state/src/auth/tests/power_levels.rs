//! Rule 10: `m.room.power_levels` events.

use ruma::RoomVersionId;
use serde_json::{json, Value};

use super::*;

fn is_power_levels(error: &AuthError) -> bool {
    matches!(error, AuthError::PowerLevels(_))
}

/// The power levels the fixture room has, with `change` merged in.
fn levels(room: &TestRoom, change: Value) -> Value {
    let mut users = json!({ user("bob").as_str(): 50 });
    if !room
        .builder
        .rules
        .authorization
        .explicitly_privilege_room_creators
    {
        users[user("alice").as_str()] = json!(100);
    }
    let mut content = json!({ "users": users });
    if let (Some(base), Value::Object(change)) = (content.as_object_mut(), change) {
        for (key, value) in change {
            if key == "users" {
                base["users"]
                    .as_object_mut()
                    .unwrap()
                    .extend(value.as_object().unwrap().clone());
            } else {
                base.insert(key, value);
            }
        }
    }
    content
}

/// Sends the fixture power levels with `change` merged in.
fn send_change(room: &mut TestRoom, sender: &UserId, change: Value) -> Result<(), AuthError> {
    let content = levels(room, change);
    send_levels(room, sender, content)
}

fn send_levels(room: &mut TestRoom, sender: &UserId, content: Value) -> Result<(), AuthError> {
    room.check(NewEvent::state(sender, "m.room.power_levels", "", content))
}

#[test]
fn rule_10_1_string_levels_allowed_before_v10_rejected_from_v10() {
    for version in all_versions() {
        let mut room = TestRoom::public(&version, json!({}));
        let content = levels(
            &room,
            json!({ "ban": "50", "users": { user("carol").as_str(): " +10 " } }),
        );
        let result = send_levels(&mut room, &user("alice"), content);
        let integers_only = version.rules().unwrap().authorization.integer_power_levels;
        if integers_only {
            assert_rejected_by(result, is_power_levels, &version);
        } else {
            result.expect("stringy levels before v10");
        }
    }
}

#[test]
fn rule_10_1_floats_and_garbage_are_handled_per_version() {
    for version in all_versions() {
        let mut room = TestRoom::public(&version, json!({}));
        let float = levels(&room, json!({ "kick": 50.7 }));
        let result = send_levels(&mut room, &user("alice"), float);
        // Floaty power levels are a v1–v5 feature (canonical JSON forbids floats from v6).
        let floats_allowed = !version.rules().unwrap().authorization.strict_canonical_json;
        assert_eq!(result.is_ok(), floats_allowed, "{version}: {result:?}");
        let garbage = levels(&room, json!({ "kick": "fifty" }));
        let result = send_levels(&mut room, &user("alice"), garbage);
        assert_rejected_by(result, is_power_levels, &version);
    }
}

#[test]
fn rule_10_2_events_and_notifications_must_map_to_integers() {
    for version in all_versions() {
        let mut room = TestRoom::public(&version, json!({}));
        let bad_events = levels(&room, json!({ "events": { "m.room.name": [] } }));
        let result = send_levels(&mut room, &user("alice"), bad_events);
        assert_rejected_by(result, is_power_levels, &version);
        let bad_notifications = levels(&room, json!({ "notifications": { "room": {} } }));
        let result = send_levels(&mut room, &user("alice"), bad_notifications);
        let checked = version
            .rules()
            .unwrap()
            .authorization
            .limit_notifications_power_levels;
        assert_eq!(result.is_err(), checked, "{version}: {result:?}");
    }
}

#[test]
fn rule_10_3_users_keys_must_be_user_ids() {
    for version in all_versions() {
        let mut room = TestRoom::public(&version, json!({}));
        let content = levels(&room, json!({ "users": { "not-a-user": 10 } }));
        let result = send_levels(&mut room, &user("alice"), content);
        assert_rejected_by(result, is_power_levels, &version);
    }
}

#[test]
fn rule_10_4_v12_creators_may_not_appear_in_users() {
    let version = RoomVersionId::V12;
    let mut room = TestRoom::public(&version, json!({}));
    let content = levels(&room, json!({ "users": { user("alice").as_str(): 100 } }));
    let result = send_levels(&mut room, &user("alice"), content);
    assert_rejected_by(result, is_power_levels, &version);
}

#[test]
fn rule_10_5_first_power_levels_event_is_allowed() {
    for version in all_versions() {
        let mut room = TestRoom::bare(&version, json!({}));
        let alice = user("alice");
        room.send_ok(NewEvent::member(&alice, alice.as_str(), "join"));
        // Any (valid) content: there is nothing to compare with.
        let content = json!({ "users": { user("bob").as_str(): 1000 }, "ban": 1000 });
        send_levels(&mut room, &alice, content).expect("first power levels");
    }
}

#[test]
fn rule_10_6_named_levels_need_old_and_new_value_within_sender_power() {
    for version in all_versions() {
        let mut room = TestRoom::public(&version, json!({ "ban": 75, "state_default": 50 }));
        let bob = user("bob");
        // bob (50) may not raise kick to 60 …
        let result = send_change(&mut room, &bob, json!({ "ban": 75, "kick": 60 }));
        assert_rejected_by(result, is_power_levels, &version);
        // … nor lower ban, whose current value (75) is above him …
        let result = send_change(&mut room, &bob, json!({ "ban": 10 }));
        assert_rejected_by(result, is_power_levels, &version);
        // … but may set kick to his own level.
        send_change(&mut room, &bob, json!({ "ban": 75, "kick": 50 })).expect("within bob's power");
    }
}

#[test]
fn rule_10_7_and_10_8_events_entries_within_sender_power() {
    for version in all_versions() {
        let extra = json!({ "events": { "m.room.name": 75 } });
        let mut room = TestRoom::public(&version, extra.clone());
        let bob = user("bob");
        let mut change = extra.clone();
        change["events"]["m.room.name"] = json!(10);
        let result = send_change(&mut room, &bob, change);
        assert_rejected_by(result, is_power_levels, &version); // 10.7: current 75 > 50
        let mut add = extra.clone();
        add["events"]["m.room.topic"] = json!(60);
        let result = send_change(&mut room, &bob, add);
        assert_rejected_by(result, is_power_levels, &version); // 10.8: new 60 > 50
        let mut ok = extra;
        ok["events"]["m.room.topic"] = json!(50);
        send_change(&mut room, &bob, ok).expect("new 50 <= 50");
    }
}

#[test]
fn rule_10_7_notifications_are_protected_from_v6() {
    for version in all_versions() {
        let extra = json!({ "notifications": { "room": 75 } });
        let mut room = TestRoom::public(&version, extra);
        let bob = user("bob");
        let change = json!({ "notifications": { "room": 0 } });
        let result = send_change(&mut room, &bob, change);
        let checked = version
            .rules()
            .unwrap()
            .authorization
            .limit_notifications_power_levels;
        assert_eq!(result.is_err(), checked, "{version}: {result:?}");
    }
}

#[test]
fn rule_10_9_cannot_change_users_at_or_above_own_level_except_self() {
    for version in all_versions() {
        let mut room = TestRoom::public(&version, json!({}));
        let (bob, carol) = (user("bob"), user("carol"));
        let peer = json!({ "users": { carol.as_str(): 50 } });
        room.send_ok(NewEvent::state(
            &user("alice"),
            "m.room.power_levels",
            "",
            levels(&room, peer),
        ));
        // bob (50) cannot demote carol (50) …
        let demote = json!({ "users": { carol.as_str(): 0 } });
        let result = send_change(&mut room, &bob, demote);
        assert_rejected_by(result, is_power_levels, &version);
        // … but may demote himself.
        let demote_self = json!({ "users": { carol.as_str(): 50, bob.as_str(): 10 } });
        send_change(&mut room, &bob, demote_self).expect("self-demotion");
    }
}

#[test]
fn rule_10_10_cannot_grant_more_than_own_level() {
    for version in all_versions() {
        let mut room = TestRoom::public(&version, json!({}));
        let bob = user("bob");
        let grant = json!({ "users": { user("carol").as_str(): 51 } });
        let result = send_change(&mut room, &bob, grant);
        assert_rejected_by(result, is_power_levels, &version);
        let grant = json!({ "users": { user("carol").as_str(): 50 } });
        send_change(&mut room, &bob, grant).expect("equal grant");
    }
}

#[test]
fn v12_creator_can_demote_anyone() {
    let version = RoomVersionId::V12;
    let mut room = TestRoom::public(&version, json!({}));
    let alice = user("alice");
    let huge = json!({ "users": { user("bob").as_str(): 9_007_199_254_740_991_i64 } });
    room.send_ok(NewEvent::state(&alice, "m.room.power_levels", "", huge));
    let demote = json!({ "users": { user("bob").as_str(): 0 } });
    send_levels(&mut room, &alice, demote).expect("infinite power beats any integer");
}
