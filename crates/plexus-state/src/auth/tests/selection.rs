//! The auth events selection algorithm (server-server API "Auth events selection"), which
//! rule 3.2 checks cited auth events against.

use ruma::events::TimelineEventType;
use serde_json::value::to_raw_value;

use super::*;
use crate::auth_types_for_event;

fn select(
    version: &RoomVersionId,
    kind: &str,
    sender: &UserId,
    state_key: Option<&str>,
    content: Value,
) -> Result<Vec<(StateEventType, String)>, AuthError> {
    let rules = version.rules().unwrap().authorization;
    let content = to_raw_value(&content).unwrap();
    auth_types_for_event(
        &rules,
        &TimelineEventType::from(kind),
        sender,
        state_key,
        &content,
    )
}

fn key(kind: StateEventType, state_key: &str) -> (StateEventType, String) {
    (kind, state_key.to_owned())
}

#[test]
fn create_event_selects_nothing() {
    for version in all_versions() {
        let selected = select(
            &version,
            "m.room.create",
            &user("alice"),
            Some(""),
            json!({}),
        );
        assert_eq!(selected.unwrap(), vec![], "{version}");
    }
}

#[test]
fn messages_select_create_power_levels_and_sender_membership_but_not_create_in_v12() {
    for version in all_versions() {
        let alice = user("alice");
        let selected = select(&version, "m.room.message", &alice, None, json!({})).unwrap();
        let mut expected = vec![
            key(StateEventType::RoomPowerLevels, ""),
            key(StateEventType::RoomMember, alice.as_str()),
        ];
        if !version
            .rules()
            .unwrap()
            .authorization
            .room_create_event_id_as_room_id
        {
            expected.insert(0, key(StateEventType::RoomCreate, ""));
        }
        assert_eq!(selected, expected, "{version}");
    }
}

#[test]
fn joins_select_target_once_and_join_rules_leaves_do_not() {
    for version in all_versions() {
        let bob = user("bob");
        let join = select(
            &version,
            "m.room.member",
            &bob,
            Some(bob.as_str()),
            json!({ "membership": "join" }),
        );
        let join = join.unwrap();
        let member_entries = join
            .iter()
            .filter(|(k, _)| *k == StateEventType::RoomMember)
            .count();
        assert_eq!(
            member_entries, 1,
            "{version}: sender and target are the same slot"
        );
        assert!(
            join.contains(&key(StateEventType::RoomJoinRules, "")),
            "{version}"
        );
        let leave = select(
            &version,
            "m.room.member",
            &bob,
            Some(bob.as_str()),
            json!({ "membership": "leave" }),
        );
        assert!(
            !leave
                .unwrap()
                .contains(&key(StateEventType::RoomJoinRules, "")),
            "{version}"
        );
    }
}

#[test]
fn third_party_invites_select_the_token_and_restricted_joins_the_authoriser() {
    for version in all_versions() {
        let (alice, carol) = (user("alice"), user("carol"));
        let invite = json!({ "membership": "invite", "third_party_invite": { "signed": { "token": "tok" } } });
        let selected = select(
            &version,
            "m.room.member",
            &alice,
            Some(carol.as_str()),
            invite,
        )
        .unwrap();
        assert!(
            selected.contains(&key(StateEventType::RoomThirdPartyInvite, "tok")),
            "{version}"
        );

        let join = json!({ "membership": "join", "join_authorised_via_users_server": alice });
        let selected = select(
            &version,
            "m.room.member",
            &carol,
            Some(carol.as_str()),
            join,
        )
        .unwrap();
        let restricted = version.rules().unwrap().authorization.restricted_join_rule;
        let has_authoriser = selected.contains(&key(StateEventType::RoomMember, alice.as_str()));
        assert_eq!(has_authoriser, restricted, "{version}");
    }
}

#[test]
fn member_events_without_membership_cannot_be_selected_for() {
    for version in all_versions() {
        let carol = user("carol");
        let result = select(
            &version,
            "m.room.member",
            &carol,
            Some(carol.as_str()),
            json!({}),
        );
        assert!(
            matches!(result, Err(AuthError::Malformed(_))),
            "{version}: {result:?}"
        );
    }
}
