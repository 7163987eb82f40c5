//! Rules 6–9 and the v1–v2 redaction rule.

use ruma::{EventId, RoomVersionId};
use serde_json::json;

use super::*;

#[test]
fn rule_6_non_members_cannot_send() {
    for version in all_versions() {
        let mut room = TestRoom::public(&version, json!({}));
        let carol = user("carol");
        let result = room.check(NewEvent::message(&carol, "m.room.message", json!({})));
        assert_rejected_by(
            result,
            |e| matches!(e, AuthError::SenderNotJoined),
            &version,
        );
        room.join(&carol);
        room.check(NewEvent::message(&carol, "m.room.message", json!({})))
            .expect("member");
    }
}

#[test]
fn rule_7_third_party_invite_event_needs_invite_level() {
    for version in all_versions() {
        let mut room = TestRoom::public(&version, json!({ "invite": 60 }));
        let (alice, bob) = (user("alice"), user("bob"));
        let content =
            json!({ "display_name": "x", "key_validity_url": "https://x", "public_key": "k" });
        let invite =
            |sender| NewEvent::state(sender, "m.room.third_party_invite", "tok", content.clone());
        let result = room.check(invite(&bob));
        assert_rejected_by(
            result,
            |e| matches!(e, AuthError::InsufficientPower(_)),
            &version,
        );
        room.check(invite(&alice))
            .expect("alice reaches the invite level");
    }
}

#[test]
fn rule_8_required_power_level_for_event_type() {
    for version in all_versions() {
        let mut room = TestRoom::public(&version, json!({ "events": { "m.room.topic": 75 } }));
        let (alice, bob) = (user("alice"), user("bob"));
        let topic = |sender| NewEvent::state(sender, "m.room.topic", "", json!({ "topic": "t" }));
        let result = room.check(topic(&bob));
        assert_rejected_by(
            result,
            |e| matches!(e, AuthError::InsufficientPower(_)),
            &version,
        );
        room.check(topic(&alice)).expect("alice reaches 75");
        // state_default (50) for other state, events_default (0) for messages.
        let carol = user("carol");
        room.join(&carol);
        let name = NewEvent::state(&carol, "m.room.name", "", json!({ "name": "n" }));
        assert!(room.check(name).is_err(), "{version}");
        room.check(NewEvent::message(&carol, "m.room.message", json!({})))
            .expect("message");
    }
}

#[test]
fn rule_8_without_power_levels_state_default_is_50_and_creator_has_100() {
    for version in all_versions() {
        let mut room = TestRoom::bare(&version, json!({}));
        let (alice, bob) = (user("alice"), user("bob"));
        room.send_ok(NewEvent::member(&alice, alice.as_str(), "join"));
        room.set_join_rule("public");
        room.join(&bob);
        let topic = |sender| NewEvent::state(sender, "m.room.topic", "", json!({ "topic": "t" }));
        assert!(
            room.check(topic(&bob)).is_err(),
            "{version}: bob has 0 < 50"
        );
        room.check(topic(&alice)).expect("creator has 100");
        room.check(NewEvent::message(&bob, "m.room.message", json!({})))
            .expect("0 >= 0");
    }
}

#[test]
fn rule_9_state_key_starting_with_at_must_be_the_sender() {
    for version in all_versions() {
        let mut room = TestRoom::public(&version, json!({ "state_default": 0 }));
        let bob = user("bob");
        let other = user("carol");
        let result = room.check(NewEvent::state(&bob, "m.custom", other.as_str(), json!({})));
        assert_rejected_by(
            result,
            |e| matches!(e, AuthError::StateKeyNotSender(_)),
            &version,
        );
        room.check(NewEvent::state(&bob, "m.custom", bob.as_str(), json!({})))
            .expect("own key");
    }
}

#[test]
fn v1_v2_redaction_rule_allows_same_server_or_redact_level() {
    for version in all_versions() {
        let mut room = TestRoom::public(&version, json!({ "redact": 75 }));
        let bob = user("bob");
        let mut redaction = |redacts: &str| {
            let mut new =
                NewEvent::message(&bob, "m.room.redaction", json!({ "redacts": redacts }));
            new.redacts = Some(EventId::parse(redacts).unwrap());
            room.check(new)
        };
        let same_server = redaction("$victim:example.org");
        let other_server = redaction("$victim:remote.test");
        let special = version
            .rules()
            .unwrap()
            .authorization
            .special_case_room_redaction;
        same_server.expect("same server as the redaction's event ID");
        if special {
            assert_rejected_by(
                other_server,
                |e| matches!(e, AuthError::Redaction(_)),
                &version,
            );
        } else {
            other_server.expect("from v3 the auth rules ignore the redact level");
        }
    }
}

#[test]
fn soft_fail_is_check_auth_against_current_state() {
    let version = RoomVersionId::V10;
    let mut room = TestRoom::public(&version, json!({}));
    let (alice, bob) = (user("alice"), user("bob"));
    let topic = room.build(NewEvent::state(
        &bob,
        "m.room.topic",
        "",
        json!({ "topic": "t" }),
    ));
    room.check_event(&topic)
        .expect("allowed by the state it was sent in");
    room.send_ok(NewEvent::member(&alice, bob.as_str(), "ban"));
    let rules = &room.builder.rules.authorization;
    let current = |kind: &StateEventType, key: &str| {
        room.state
            .get(&(kind.clone(), key.to_owned()))
            .and_then(|id| room.builder.fetch(id))
    };
    let result = crate::check_soft_fail(rules, &topic, current);
    assert_rejected_by(
        result,
        |e| matches!(e, AuthError::SenderNotJoined),
        &version,
    );
}

#[test]
fn check_auth_with_auth_events_uses_the_cited_events_and_the_v12_create() {
    for version in [RoomVersionId::V10, RoomVersionId::V12] {
        let mut room = TestRoom::public(&version, json!({}));
        let bob = user("bob");
        let topic = room.build(NewEvent::state(
            &bob,
            "m.room.topic",
            "",
            json!({ "topic": "t" }),
        ));
        let cited: Vec<_> = topic
            .auth_events
            .iter()
            .map(|id| room.builder.fetch(id).unwrap())
            .collect();
        let create = room.builder.fetch(&room.builder.create_id).unwrap();
        let rules = &room.builder.rules.authorization;
        crate::check_auth_with_auth_events(rules, &topic, &cited, Some(&create))
            .expect("allowed by its auth events");
        // Without bob's membership among the auth events he is not joined.
        let without_member: Vec<_> = cited
            .iter()
            .filter(|e| e.state_key.as_deref() != Some(bob.as_str()))
            .cloned()
            .collect();
        let result =
            crate::check_auth_with_auth_events(rules, &topic, &without_member, Some(&create));
        assert_rejected_by(
            result,
            |e| matches!(e, AuthError::SenderNotJoined),
            &version,
        );
    }
}
