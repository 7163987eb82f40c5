//! Upgrades: the new room's create and copied state, the tombstone, the restricted old room.

use ruma::RoomVersionId;
use serde_json::json;

use super::UpgradeRoom;
use crate::tests::user;
use crate::{events::NewEvent, rooms::CreateRoom, tests::fixture, ServiceError};

#[tokio::test]
async fn upgrade_copies_state_tombstones_and_restricts_the_old_room() {
    let f = fixture().await;
    let s = &f.services;
    let alice = user(s, "alice").await;
    let bob = user(s, "bob").await;
    let req = CreateRoom {
        room_version: Some(RoomVersionId::V11),
        name: Some("Old".into()),
        topic: Some("about".into()),
        room_alias_name: Some("old".into()),
        ..Default::default()
    };
    let old = s.create_room(&alice, req).await.unwrap();
    s.invite(&old, &alice, &bob, None, false).await.unwrap();
    s.join_room(&old, &bob, None, &[]).await.unwrap();
    let upgrade = |v: RoomVersionId| UpgradeRoom {
        new_version: v,
        additional_creators: vec![],
    };

    let err = s
        .upgrade_room(&old, &bob, upgrade(RoomVersionId::V12))
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Forbidden(_)), "{err:?}");
    let custom = RoomVersionId::try_from("nonsense").unwrap();
    let err = s
        .upgrade_room(&old, &alice, upgrade(custom))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ServiceError::UnsupportedRoomVersion(_)),
        "{err:?}"
    );

    let new = s
        .upgrade_room(&old, &alice, upgrade(RoomVersionId::V12))
        .await
        .unwrap();
    let state = |room, kind| {
        s.current_state_event(room, kind, "")
            .unwrap()
            .unwrap()
            .content_value()
    };
    assert_eq!(
        state(&new, "m.room.create")["predecessor"]["room_id"],
        old.as_str()
    );
    assert_eq!(state(&new, "m.room.name")["name"], "Old");
    assert_eq!(state(&new, "m.room.topic")["topic"], "about");
    assert_eq!(
        state(&new, "m.room.canonical_alias")["alias"],
        "#old:localhost"
    );
    assert!(
        state(&new, "m.room.power_levels")["users"]
            .get(alice.as_str())
            .is_none(),
        "v12 creators are not listed"
    );
    assert_eq!(
        s.resolve_alias("#old:localhost").unwrap().as_deref(),
        Some(&*new)
    );
    assert_eq!(
        state(&old, "m.room.tombstone")["replacement_room"],
        new.as_str()
    );
    let levels = state(&old, "m.room.power_levels");
    assert_eq!(
        (levels["events_default"].clone(), levels["invite"].clone()),
        (json!(50), json!(50))
    );

    let text = NewEvent::message(
        "m.room.message",
        json!({"msgtype": "m.text", "body": "still here?"}),
    );
    let err = s.append_event(&old, &bob, text).await.unwrap_err();
    assert!(matches!(err, ServiceError::Forbidden(_)), "{err:?}");
}
