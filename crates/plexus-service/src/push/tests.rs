//! Unit tests of push rules (ordering, enable/disable, deletion), pushers
//! (replace, delete) and notification counts (a muted room counts nothing).

use ruma::{
    push::{Action, NewPushRule, NewSimplePushRule, RuleKind},
    OwnedUserId, RoomId,
};
use serde_json::json;

use crate::tests::user;
use crate::{
    events::NewEvent,
    rooms::{CreateRoom, Preset},
    tests::fixture,
    ServiceError, Services,
};

fn room_rule(id: &str) -> NewPushRule {
    NewPushRule::Room(NewSimplePushRule::new(RoomId::parse(id).unwrap(), vec![]))
}

fn room_rule_ids(s: &Services, user: &OwnedUserId) -> Vec<String> {
    s.push_ruleset(user)
        .unwrap()
        .room
        .iter()
        .map(|r| r.rule_id.to_string())
        .collect()
}

#[tokio::test]
async fn rules_are_placed_by_before_and_after() {
    let f = fixture().await;
    let s = &f.services;
    let alice = user(s, "alice").await;
    s.set_push_rule(&alice, room_rule("!a:x"), None, None)
        .unwrap();
    s.set_push_rule(&alice, room_rule("!b:x"), None, None)
        .unwrap();
    s.set_push_rule(&alice, room_rule("!c:x"), Some("!a:x"), None)
        .unwrap();
    s.set_push_rule(&alice, room_rule("!d:x"), None, Some("!a:x"))
        .unwrap();
    assert_eq!(room_rule_ids(s, &alice), ["!b:x", "!c:x", "!a:x", "!d:x"]);
    let err = s
        .set_push_rule(&alice, room_rule("!e:x"), Some("!nope:x"), None)
        .unwrap_err();
    assert!(matches!(err, ServiceError::InvalidParam(_)), "{err:?}");
}

#[tokio::test]
async fn rules_toggle_change_actions_and_delete() {
    let f = fixture().await;
    let s = &f.services;
    let alice = user(s, "alice").await;
    s.set_push_rule_enabled(
        &alice,
        RuleKind::Override,
        ".m.rule.suppress_notices",
        false,
    )
    .unwrap();
    assert!(
        !s.push_rule(&alice, RuleKind::Override, ".m.rule.suppress_notices")
            .unwrap()
            .enabled
    );
    s.set_push_rule(&alice, room_rule("!a:x"), None, None)
        .unwrap();
    s.set_push_rule_actions(&alice, RuleKind::Room, "!a:x", vec![Action::Notify])
        .unwrap();
    let actions = s.push_rule(&alice, RuleKind::Room, "!a:x").unwrap().actions;
    assert!(
        matches!(actions.as_slice(), [Action::Notify]),
        "{actions:?}"
    );
    s.delete_push_rule(&alice, RuleKind::Room, "!a:x").unwrap();
    assert!(matches!(
        s.push_rule(&alice, RuleKind::Room, "!a:x"),
        Err(ServiceError::NotFound(_))
    ));
    let err = s
        .delete_push_rule(&alice, RuleKind::Override, ".m.rule.master")
        .unwrap_err();
    assert!(matches!(err, ServiceError::InvalidParam(_)), "{err:?}");
    let err = s
        .set_push_rule_enabled(&alice, RuleKind::Room, "!gone:x", true)
        .unwrap_err();
    assert!(matches!(err, ServiceError::NotFound(_)), "{err:?}");
}

#[tokio::test]
async fn pushers_are_replaced_and_deleted() {
    let f = fixture().await;
    let s = &f.services;
    let (alice, bob) = (user(s, "alice").await, user(s, "bob").await);
    let url = "https://push.example/_matrix/push/v1/notify";
    let pusher = |lang: &str| {
        json!({"app_id": "app", "pushkey": "key", "kind": "http", "lang": lang,
               "data": {"url": url}})
    };
    let elsewhere = json!({"app_id": "app", "pushkey": "k2", "kind": "http",
                           "data": {"url": "https://push.example/notify"}});
    let err = s.set_pusher(&bob, elsewhere, false).unwrap_err();
    assert!(matches!(err, ServiceError::InvalidParam(_)), "{err:?}");
    s.set_pusher(&bob, pusher("en"), false).unwrap();
    s.set_pusher(&alice, pusher("en"), false).unwrap();
    s.set_pusher(&alice, pusher("fr"), false).unwrap();
    let listed = s.pushers(&alice).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["lang"], "fr");
    assert!(
        s.pushers(&bob).unwrap().is_empty(),
        "same app and key of another user is removed"
    );
    s.set_pusher(&bob, pusher("en"), true).unwrap();
    assert_eq!(
        s.pushers(&alice).unwrap().len(),
        1,
        "append keeps the other user's pusher"
    );
    s.delete_pusher(&alice, "app", "key").unwrap();
    assert!(s.pushers(&alice).unwrap().is_empty());
}

#[tokio::test]
async fn muted_room_counts_no_notifications() {
    let f = fixture().await;
    let s = &f.services;
    let (alice, bob) = (user(s, "alice").await, user(s, "bob").await);
    let req = CreateRoom {
        preset: Some(Preset::PublicChat),
        ..Default::default()
    };
    let room = s.create_room(&alice, req).await.unwrap();
    let joined = s.join_event(&room, &bob, None).await.unwrap();
    let read = s
        .event_meta(joined.event_id.as_str())
        .unwrap()
        .unwrap()
        .stream;
    let text = |body: &str| {
        NewEvent::message("m.room.message", json!({"msgtype": "m.text", "body": body}))
    };
    s.append_event(&room, &alice, text("hello")).await.unwrap();
    assert_eq!(s.notification_counts(&room, &bob, read, 100).unwrap().0, 1);
    assert_eq!(
        s.notification_counts(&room, &alice, read, 100).unwrap().0,
        0,
        "own messages never notify"
    );
    let mute = NewPushRule::Override(ruma::push::NewConditionalPushRule::new(
        "mute".into(),
        vec![ruma::push::PushCondition::EventMatch(
            ruma::push::EventMatchConditionData::new("room_id".into(), room.to_string()),
        )],
        vec![],
    ));
    s.set_push_rule(&bob, mute, None, None).unwrap();
    s.append_event(&room, &alice, text("again")).await.unwrap();
    assert_eq!(
        s.notification_counts(&room, &bob, read, 100).unwrap(),
        (0, 0)
    );
    assert!(s.notifications(&bob, None, 10, false).unwrap().is_empty());
}
