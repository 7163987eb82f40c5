//! Rule 1 (create events), rule 2 (v12 room ID), rule 3 (auth_events), rule 4 (m.federate)
//! and the v1–v5 `m.room.aliases` rule.

use std::sync::Arc;

use ruma::{OwnedEventId, RoomId, RoomVersionId};
use serde_json::{json, value::to_raw_value};

use super::*;
use crate::{check_auth_events, fixture::PlainEvent};

fn create_event(room: &TestRoom) -> PlainEvent {
    (*room
        .builder
        .fetch(&room.builder.create_id)
        .expect("create exists"))
    .clone()
}

fn check_create(version: &RoomVersionId, event: &PlainEvent) -> Result<(), AuthError> {
    let rules = version.rules().expect("known").authorization;
    check_auth(&rules, event, |_: &StateEventType, _: &str| {
        None::<PlainEvent>
    })
}

#[test]
fn rule_1_the_fixture_create_event_is_allowed_in_every_version() {
    for version in all_versions() {
        let room = TestRoom::bare(&version, json!({}));
        check_create(&version, &create_event(&room)).expect("valid create event");
    }
}

#[test]
fn rule_1_1_create_with_prev_events_is_rejected() {
    for version in all_versions() {
        let room = TestRoom::bare(&version, json!({}));
        let mut create = create_event(&room);
        create.prev_events = vec![OwnedEventId::try_from("$other:example.org").unwrap()];
        let result = check_create(&version, &create);
        assert_rejected_by(result, |e| matches!(e, AuthError::Create(_)), &version);
    }
}

#[test]
fn rule_1_2_room_id_domain_must_match_sender_before_v12() {
    for version in versions_before(12) {
        let room = TestRoom::bare(&version, json!({}));
        let mut create = create_event(&room);
        create.room_id = Some(RoomId::parse("!room:elsewhere.test").unwrap());
        let result = check_create(&version, &create);
        assert_rejected_by(result, |e| matches!(e, AuthError::Create(_)), &version);
    }
}

#[test]
fn rule_1_2_v12_create_event_must_not_have_a_room_id() {
    let room = TestRoom::bare(&RoomVersionId::V12, json!({}));
    let mut create = create_event(&room);
    create.room_id = Some(room.builder.room_id.clone());
    let result = check_create(&RoomVersionId::V12, &create);
    assert_rejected_by(
        result,
        |e| matches!(e, AuthError::Create(_)),
        &RoomVersionId::V12,
    );
}

#[test]
fn rule_1_3_unknown_room_version_is_rejected() {
    for version in all_versions() {
        let room = TestRoom::bare(&version, json!({ "room_version": "not-a-version" }));
        let result = check_create(&version, &create_event(&room));
        assert_rejected_by(result, |e| matches!(e, AuthError::Create(_)), &version);
    }
}

#[test]
fn rule_1_4_creator_property_required_before_v11_only() {
    for version in all_versions() {
        let room = TestRoom::bare(&version, json!({}));
        let mut create = create_event(&room);
        create.content = to_raw_value(&json!({ "room_version": version.as_str() })).unwrap();
        let result = check_create(&version, &create);
        let v11_or_later = version
            .rules()
            .unwrap()
            .authorization
            .use_room_create_sender;
        assert_eq!(
            result.is_ok(),
            v11_or_later,
            "room version {version}: {result:?}"
        );
    }
}

#[test]
fn rule_1_4_v12_additional_creators_must_be_user_ids() {
    let version = RoomVersionId::V12;
    let bad = TestRoom::bare(
        &version,
        json!({ "additional_creators": ["not a user", 5] }),
    );
    let result = check_create(&version, &create_event(&bad));
    assert_rejected_by(result, |e| matches!(e, AuthError::Create(_)), &version);
    let good = TestRoom::bare(&version, json!({ "additional_creators": [user("bob")] }));
    check_create(&version, &create_event(&good)).expect("valid additional creators");
    // Before v12 the field means nothing and is not validated.
    let v11 = TestRoom::bare(&RoomVersionId::V11, json!({ "additional_creators": [5] }));
    check_create(&RoomVersionId::V11, &create_event(&v11)).expect("ignored before v12");
}

#[test]
fn rule_2_v12_room_id_must_name_an_accepted_create_event() {
    let version = RoomVersionId::V12;
    let mut room = TestRoom::public(&version, json!({}));
    let alice = user("alice");
    let mut topic = (*room.build(NewEvent::state(&alice, "m.room.topic", "", json!({})))).clone();
    topic.room_id = Some(RoomId::parse("!someotherroom").unwrap());
    let result = room.check_event(&Arc::new(topic));
    assert_rejected_by(result, |e| matches!(e, AuthError::RoomId(_)), &version);

    // The right room ID but a rejected create event.
    let topic = room.build(NewEvent::state(&alice, "m.room.topic", "", json!({})));
    let mut create = create_event(&room);
    create.rejected = true;
    room.builder
        .events
        .insert(create.event_id.clone(), Arc::new(create));
    let result = room.check_event(&topic);
    assert_rejected_by(result, |e| matches!(e, AuthError::RoomId(_)), &version);
}

#[test]
fn rule_3_auth_events_must_match_the_selection() {
    for version in all_versions() {
        let mut room = TestRoom::public(&version, json!({}));
        let alice = user("alice");
        let topic = room.build(NewEvent::state(&alice, "m.room.topic", "", json!({})));
        let rules = room.builder.rules.authorization.clone();
        let fetch = |id: &OwnedEventId| (*room.builder.fetch(id).unwrap()).clone();
        let cited: Vec<PlainEvent> = topic.auth_events.iter().map(fetch).collect();
        check_auth_events(&rules, &*topic, &cited).expect("fixture selection is valid");

        // 3.1 duplicates.
        let mut duplicated = cited.clone();
        duplicated.push(cited[0].clone());
        let result = check_auth_events(&rules, &*topic, &duplicated);
        assert_rejected_by(result, |e| matches!(e, AuthError::AuthEvents(_)), &version);

        // 3.2 an entry the selection does not pick (the join rules, for a topic).
        let join_rules_key = (StateEventType::RoomJoinRules, String::new());
        let mut extra = cited.clone();
        extra.push(fetch(&room.state[&join_rules_key]));
        let result = check_auth_events(&rules, &*topic, &extra);
        assert_rejected_by(result, |e| matches!(e, AuthError::AuthEvents(_)), &version);

        // 3.3 a rejected entry.
        let mut rejected = cited.clone();
        rejected.last_mut().unwrap().rejected = true;
        let result = check_auth_events(&rules, &*topic, &rejected);
        assert_rejected_by(result, |e| matches!(e, AuthError::AuthEvents(_)), &version);

        // 3.5 an entry from another room.
        let mut foreign = cited.clone();
        foreign.last_mut().unwrap().room_id = Some(RoomId::parse("!other:example.org").unwrap());
        let result = check_auth_events(&rules, &*topic, &foreign);
        assert_rejected_by(result, |e| matches!(e, AuthError::AuthEvents(_)), &version);
    }
}

#[test]
fn rule_3_create_event_required_before_v12_and_forbidden_in_v12() {
    for version in all_versions() {
        let mut room = TestRoom::public(&version, json!({}));
        let alice = user("alice");
        let topic = room.build(NewEvent::state(&alice, "m.room.topic", "", json!({})));
        let rules = room.builder.rules.authorization.clone();
        let create = create_event(&room);
        let others: Vec<PlainEvent> = topic
            .auth_events
            .iter()
            .filter(|id| **id != create.event_id)
            .map(|id| (*room.builder.fetch(id).unwrap()).clone())
            .collect();
        let mut with_create = others.clone();
        with_create.push(create);
        let v12 = rules.room_create_event_id_as_room_id;
        assert_eq!(
            check_auth_events(&rules, &*topic, &others).is_ok(),
            v12,
            "{version}"
        );
        assert_eq!(
            check_auth_events(&rules, &*topic, &with_create).is_ok(),
            !v12,
            "{version}"
        );
    }
}

#[test]
fn rule_4_unfederated_room_rejects_remote_senders() {
    for version in all_versions() {
        let mut room = TestRoom::bare(&version, json!({ "m.federate": false }));
        let alice = user("alice");
        room.send_ok(NewEvent::member(&alice, alice.as_str(), "join"));
        room.set_join_rule("public");
        let remote = remote_user("mallory");
        let result = room.check(NewEvent::member(&remote, remote.as_str(), "join"));
        assert_rejected_by(result, |e| matches!(e, AuthError::NotFederated), &version);
        let local = user("carol");
        room.check(NewEvent::member(&local, local.as_str(), "join"))
            .expect("local join");
    }
}

#[test]
fn v1_to_v5_aliases_rule_checks_sender_domain_against_state_key() {
    for version in all_versions() {
        let mut room = TestRoom::public(&version, json!({}));
        let bob = user("bob");
        let content = json!({ "aliases": ["#a:remote.test"] });
        // bob (50 < state_default 50? no: 50 == 50) sends aliases for another server.
        let result = room.check(NewEvent::state(
            &bob,
            "m.room.aliases",
            "remote.test",
            content.clone(),
        ));
        let special = version
            .rules()
            .unwrap()
            .authorization
            .special_case_room_aliases;
        if special {
            assert_rejected_by(result, |e| matches!(e, AuthError::Aliases(_)), &version);
            // Even a non-member may send aliases for its own server in v1–v5.
            let outsider = user("nobody");
            let own = NewEvent::state(&outsider, "m.room.aliases", "example.org", content);
            room.check(own).expect("aliases for own server");
        } else {
            // From v6 it is an ordinary state event: bob has state_default (50).
            result.expect("ordinary state event from v6");
        }
    }
}
