//! Rule 5: `m.room.member` events.

use ruma::RoomVersionId;
use serde_json::json;

use super::*;

fn is_membership(error: &AuthError) -> bool {
    matches!(error, AuthError::Membership(_))
}

#[test]
fn rule_5_1_member_event_without_membership_is_rejected() {
    for version in all_versions() {
        let mut room = TestRoom::public(&version, json!({}));
        let carol = user("carol");
        let result = room.check(NewEvent::state(
            &carol,
            "m.room.member",
            carol.as_str(),
            json!({}),
        ));
        assert!(result.is_err(), "{version}");
    }
}

#[test]
fn rule_5_3_1_creator_may_join_right_after_create() {
    for version in all_versions() {
        let mut room = TestRoom::bare(&version, json!({}));
        let alice = user("alice");
        room.check(NewEvent::member(&alice, alice.as_str(), "join"))
            .expect("creator join");
        let bob = user("bob");
        let result = room.check(NewEvent::member(&bob, bob.as_str(), "join"));
        assert_rejected_by(result, is_membership, &version);
    }
}

#[test]
fn rule_5_3_1_v11_creator_is_the_create_sender_not_content_creator() {
    // Before v11 the creator is content.creator; from v11 the sender.
    for version in [RoomVersionId::V10, RoomVersionId::V11] {
        let mut room = TestRoom::bare(&version, json!({ "creator": user("bob") }));
        let (alice, bob) = (user("alice"), user("bob"));
        let alice_join = room.check(NewEvent::member(&alice, alice.as_str(), "join"));
        let bob_join = room.check(NewEvent::member(&bob, bob.as_str(), "join"));
        let v11 = version == RoomVersionId::V11;
        assert_eq!(alice_join.is_ok(), v11, "{version}");
        assert_eq!(bob_join.is_ok(), !v11, "{version}");
    }
}

#[test]
fn rule_5_3_2_join_for_someone_else_is_rejected() {
    for version in all_versions() {
        let mut room = TestRoom::public(&version, json!({}));
        let (alice, carol) = (user("alice"), user("carol"));
        let result = room.check(NewEvent::member(&alice, carol.as_str(), "join"));
        assert_rejected_by(result, is_membership, &version);
    }
}

#[test]
fn rule_5_3_3_banned_user_cannot_join() {
    for version in all_versions() {
        let mut room = TestRoom::public(&version, json!({}));
        let (alice, carol) = (user("alice"), user("carol"));
        room.send_ok(NewEvent::member(&alice, carol.as_str(), "ban"));
        let result = room.check(NewEvent::member(&carol, carol.as_str(), "join"));
        assert_rejected_by(result, is_membership, &version);
    }
}

#[test]
fn rule_5_3_4_invite_only_room_needs_an_invite() {
    for version in all_versions() {
        let mut room = TestRoom::public(&version, json!({}));
        room.set_join_rule("invite");
        let (alice, carol) = (user("alice"), user("carol"));
        let result = room.check(NewEvent::member(&carol, carol.as_str(), "join"));
        assert_rejected_by(result, is_membership, &version);
        room.send_ok(NewEvent::member(&alice, carol.as_str(), "invite"));
        room.check(NewEvent::member(&carol, carol.as_str(), "join"))
            .expect("invited join");
    }
}

#[test]
fn rule_5_3_4_knock_join_rule_acts_as_invite_from_v7_only() {
    for version in all_versions() {
        let mut room = TestRoom::public(&version, json!({}));
        room.set_join_rule("knock");
        let (alice, carol) = (user("alice"), user("carol"));
        room.send_ok(NewEvent::member(&alice, carol.as_str(), "invite"));
        let result = room.check(NewEvent::member(&carol, carol.as_str(), "join"));
        let knocking = version.rules().unwrap().authorization.knocking;
        assert_eq!(result.is_ok(), knocking, "{version}: {result:?}");
    }
}

#[test]
fn rule_5_3_5_restricted_join_needs_a_joined_authoriser_with_invite_power() {
    for version in all_versions() {
        let rules = version.rules().unwrap().authorization;
        for join_rule in ["restricted", "knock_restricted"] {
            let supported = match join_rule {
                "restricted" => rules.restricted_join_rule,
                _ => rules.knock_restricted_join_rule,
            };
            let mut room = TestRoom::public(&version, json!({ "invite": 50 }));
            room.set_join_rule(join_rule);
            let (bob, carol, dave) = (user("bob"), user("carol"), user("dave"));
            let via = |authoriser: &str| json!({ "membership": "join", "join_authorised_via_users_server": authoriser });
            let join = |content| NewEvent::state(&carol, "m.room.member", carol.as_str(), content);
            // bob: joined, power 50 >= invite 50.
            let allowed = room.check(join(via(bob.as_str())));
            assert_eq!(
                allowed.is_ok(),
                supported,
                "{version} {join_rule}: {allowed:?}"
            );
            // dave: not joined.
            assert!(
                room.check(join(via(dave.as_str()))).is_err(),
                "{version} {join_rule}"
            );
            // No authoriser at all.
            assert!(
                room.check(join(json!({ "membership": "join" }))).is_err(),
                "{version}"
            );
        }
    }
}

#[test]
fn rule_5_3_5_restricted_authoriser_below_invite_level_is_rejected() {
    for version in versions_from(8) {
        let mut room = TestRoom::public(&version, json!({ "invite": 75 }));
        room.set_join_rule("restricted");
        let (bob, carol) = (user("bob"), user("carol"));
        let content = json!({ "membership": "join", "join_authorised_via_users_server": bob });
        let result = room.check(NewEvent::state(
            &carol,
            "m.room.member",
            carol.as_str(),
            content,
        ));
        assert_rejected_by(result, is_membership, &version);
    }
}

#[test]
fn rule_5_3_6_public_room_allows_anyone_and_5_3_7_unknown_rule_rejects() {
    for version in all_versions() {
        let mut room = TestRoom::public(&version, json!({}));
        let carol = user("carol");
        room.check(NewEvent::member(&carol, carol.as_str(), "join"))
            .expect("public join");
        room.set_join_rule("private");
        let result = room.check(NewEvent::member(&carol, carol.as_str(), "join"));
        assert_rejected_by(result, is_membership, &version);
    }
}

#[test]
fn rule_5_4_invites_need_a_joined_sender_with_invite_power() {
    for version in all_versions() {
        let mut room = TestRoom::public(&version, json!({ "invite": 75 }));
        let (alice, bob, carol, dave) = (user("alice"), user("bob"), user("carol"), user("dave"));
        // 5.4.4/5.4.5: bob (50) is below the invite level (75).
        let result = room.check(NewEvent::member(&bob, carol.as_str(), "invite"));
        assert_rejected_by(result, is_membership, &version);
        // 5.4.2: dave is not joined.
        let result = room.check(NewEvent::member(&dave, carol.as_str(), "invite"));
        assert_rejected_by(result, is_membership, &version);
        // 5.4.3: bob is already joined.
        let result = room.check(NewEvent::member(&alice, bob.as_str(), "invite"));
        assert_rejected_by(result, is_membership, &version);
        room.check(NewEvent::member(&alice, carol.as_str(), "invite"))
            .expect("alice invites");
    }
}

#[test]
fn rule_5_5_1_leaving_needs_invite_join_or_knock() {
    for version in all_versions() {
        let mut room = TestRoom::public(&version, json!({}));
        let (bob, carol) = (user("bob"), user("carol"));
        room.check(NewEvent::member(&bob, bob.as_str(), "leave"))
            .expect("joined user leaves");
        let result = room.check(NewEvent::member(&carol, carol.as_str(), "leave"));
        assert_rejected_by(result, is_membership, &version);
        if version.rules().unwrap().authorization.knocking {
            room.set_join_rule("knock");
            room.send_ok(NewEvent::member(&carol, carol.as_str(), "knock"));
            room.check(NewEvent::member(&carol, carol.as_str(), "leave"))
                .expect("rescind");
        }
    }
}

#[test]
fn rule_5_5_4_kick_needs_kick_level_and_more_power_than_target() {
    for version in all_versions() {
        let mut room = TestRoom::public(&version, json!({}));
        let (alice, bob, carol) = (user("alice"), user("bob"), user("carol"));
        room.join(&carol);
        room.check(NewEvent::member(&bob, carol.as_str(), "leave"))
            .expect("50 kicks 0");
        let result = room.check(NewEvent::member(&bob, alice.as_str(), "leave"));
        assert_rejected_by(result, is_membership, &version);
        let result = room.check(NewEvent::member(&carol, bob.as_str(), "leave"));
        assert_rejected_by(result, is_membership, &version);
    }
}

#[test]
fn rule_5_5_3_unban_needs_ban_level() {
    for version in all_versions() {
        let mut room = TestRoom::public(&version, json!({ "ban": 75, "kick": 50 }));
        let (alice, bob, carol) = (user("alice"), user("bob"), user("carol"));
        room.send_ok(NewEvent::member(&alice, carol.as_str(), "ban"));
        let result = room.check(NewEvent::member(&bob, carol.as_str(), "leave"));
        assert_rejected_by(result, is_membership, &version);
        room.check(NewEvent::member(&alice, carol.as_str(), "leave"))
            .expect("alice unbans");
    }
}

#[test]
fn rule_5_6_ban_needs_ban_level_and_more_power_than_target() {
    for version in all_versions() {
        let mut room = TestRoom::public(&version, json!({}));
        let (alice, bob, carol, dave) = (user("alice"), user("bob"), user("carol"), user("dave"));
        room.join(&carol);
        room.check(NewEvent::member(&bob, dave.as_str(), "ban"))
            .expect("ban a non-member");
        let result = room.check(NewEvent::member(&bob, alice.as_str(), "ban"));
        assert_rejected_by(result, is_membership, &version);
        let result = room.check(NewEvent::member(&carol, dave.as_str(), "ban"));
        assert_rejected_by(result, is_membership, &version);
    }
}

#[test]
fn rule_5_7_knock_from_v7_with_knock_join_rules() {
    for version in all_versions() {
        let rules = version.rules().unwrap().authorization;
        let mut room = TestRoom::public(&version, json!({}));
        let (bob, carol) = (user("bob"), user("carol"));
        // 5.7.1: a public room cannot be knocked on.
        let result = room.check(NewEvent::member(&carol, carol.as_str(), "knock"));
        assert_rejected_by(result, is_membership, &version);
        for join_rule in ["knock", "knock_restricted"] {
            room.set_join_rule(join_rule);
            let knock = room.check(NewEvent::member(&carol, carol.as_str(), "knock"));
            let supported = match join_rule {
                "knock" => rules.knocking,
                _ => rules.knock_restricted_join_rule,
            };
            assert_eq!(knock.is_ok(), supported, "{version} {join_rule}: {knock:?}");
            // 5.7.2: knocking for someone else; 5.7.3: already joined.
            assert!(room
                .check(NewEvent::member(&bob, carol.as_str(), "knock"))
                .is_err());
            assert!(room
                .check(NewEvent::member(&bob, bob.as_str(), "knock"))
                .is_err());
        }
    }
}

#[test]
fn rule_5_8_unknown_membership_is_rejected() {
    for version in all_versions() {
        let mut room = TestRoom::public(&version, json!({}));
        let carol = user("carol");
        let result = room.check(NewEvent::member(&carol, carol.as_str(), "dance"));
        assert_rejected_by(result, is_membership, &version);
    }
}

#[test]
fn v12_creator_has_infinite_power_and_additional_creators_too() {
    let version = RoomVersionId::V12;
    let mut room = TestRoom::bare(&version, json!({ "additional_creators": [user("bob")] }));
    let (alice, bob, carol) = (user("alice"), user("bob"), user("carol"));
    room.send_ok(NewEvent::member(&alice, alice.as_str(), "join"));
    let levels = json!({ "users": { carol.as_str(): 9_007_199_254_740_991_i64 }, "ban": 50 });
    room.send_ok(NewEvent::state(&alice, "m.room.power_levels", "", levels));
    room.set_join_rule("public");
    room.join(&bob);
    room.join(&carol);
    // carol has the largest possible integer power, yet the creators outrank her.
    room.check(NewEvent::member(&bob, carol.as_str(), "ban"))
        .expect("creator bans");
    let result = room.check(NewEvent::member(&carol, bob.as_str(), "ban"));
    assert_rejected_by(result, is_membership, &version);
    // Before v12 the same power levels would make carol the strongest.
    let mut v11 = TestRoom::public(&RoomVersionId::V11, json!({}));
    v11.join(&carol);
    let levels = json!({ "users": { alice.as_str(): 100, carol.as_str(): 100 } });
    v11.send_ok(NewEvent::state(&alice, "m.room.power_levels", "", levels));
    let result = v11.check(NewEvent::member(&carol, alice.as_str(), "ban"));
    assert_rejected_by(result, is_membership, &RoomVersionId::V11);
}
