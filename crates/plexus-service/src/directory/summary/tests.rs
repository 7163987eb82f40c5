//! Room summaries: fields, membership, and who may preview which room.

use ruma::RoomVersionId;
use serde_json::json;

use crate::{
    events::NewEvent,
    rooms::{CreateRoom, Preset},
    tests::{fixture, user},
};

#[tokio::test]
async fn public_room_summary_has_the_spec_fields() {
    let f = fixture().await;
    let s = &f.services;
    let (alice, bob) = (user(s, "alice").await, user(s, "bob").await);
    let req = CreateRoom {
        preset: Some(Preset::PublicChat),
        room_version: Some(RoomVersionId::V11),
        name: Some("Cheese".into()),
        topic: Some("Tasty".into()),
        ..Default::default()
    };
    let room = s.create_room(&alice, req).await.unwrap();
    let encryption = json!({"algorithm": "m.megolm.v1.aes-sha2"});
    let event = NewEvent::state("m.room.encryption", "", encryption);
    s.append_event(&room, &alice, event).await.unwrap();

    let summary = s.room_summary_for(&room, Some(&bob)).unwrap();
    assert_eq!(summary["room_id"], room.as_str());
    assert_eq!(summary["name"], "Cheese");
    assert_eq!(summary["topic"], "Tasty");
    assert_eq!(summary["join_rule"], "public");
    assert_eq!(summary["num_joined_members"], 1);
    assert_eq!(summary["room_version"], "11");
    assert_eq!(summary["encryption"], "m.megolm.v1.aes-sha2");
    assert_eq!(summary["world_readable"], false);
    assert_eq!(summary["guest_can_join"], false);
    assert_eq!(summary["membership"], "leave");
    let own = s.room_summary_for(&room, Some(&alice)).unwrap();
    assert_eq!(own["membership"], "join");
    let anonymous = s.room_summary_for(&room, None).unwrap();
    assert!(anonymous.get("membership").is_none());
}

#[tokio::test]
async fn private_room_is_previewable_only_by_members_and_invitees() {
    let f = fixture().await;
    let s = &f.services;
    let (alice, bob, carol) = (
        user(s, "alice").await,
        user(s, "bob").await,
        user(s, "carol").await,
    );
    let req = CreateRoom {
        preset: Some(Preset::PrivateChat),
        room_version: Some(RoomVersionId::V11),
        ..Default::default()
    };
    let room = s.create_room(&alice, req).await.unwrap();
    s.invite(&room, &alice, &bob, None, false).await.unwrap();

    assert_eq!(
        s.room_summary_for(&room, Some(&bob)).unwrap()["membership"],
        "invite"
    );
    let outsider = s.room_summary_for(&room, Some(&carol)).unwrap_err();
    assert!(
        matches!(outsider, crate::ServiceError::NotFound(_)),
        "{outsider:?}"
    );
    assert!(s.room_summary_for(&room, None).is_err());

    let world = json!({"history_visibility": "world_readable"});
    let event = NewEvent::state("m.room.history_visibility", "", world);
    s.append_event(&room, &alice, event).await.unwrap();
    let summary = s.room_summary_for(&room, None).unwrap();
    assert_eq!(summary["world_readable"], true);
    assert_eq!(summary["join_rule"], "invite");
}

#[tokio::test]
async fn a_remote_invite_is_summarised_from_its_stripped_state() {
    let f = fixture().await;
    let s = &f.services;
    let alice = user(s, "alice").await;
    let room_id = ruma::room_id!("!remote:other.example");
    let invite = json!({
        "room_id": room_id, "sender": "@carol:other.example", "type": "m.room.member",
        "state_key": alice.as_str(), "content": {"membership": "invite"},
        "origin_server_ts": 1, "depth": 5, "prev_events": [], "auth_events": [],
        "hashes": {"sha256": "x"}, "signatures": {},
    });
    let json = serde_json::from_value(invite).unwrap();
    let pdu = plexus_core::Pdu::from_json(ruma::owned_event_id!("$invite"), json).unwrap();
    let stripped = |kind: &str, content: serde_json::Value| json!({"type": kind, "state_key": "", "sender": "@carol:other.example", "content": content});
    let invite_room_state = vec![
        stripped(
            "m.room.create",
            json!({"room_version": "10", "type": "m.space"}),
        ),
        stripped("m.room.name", json!({"name": "Elsewhere"})),
        stripped("m.room.join_rules", json!({"join_rule": "invite"})),
        stripped(
            "m.room.encryption",
            json!({"algorithm": "m.megolm.v1.aes-sha2"}),
        ),
    ];
    s.store_remote_invite(crate::events::RemoteInvite {
        pdu,
        invite_room_state,
    })
    .unwrap();

    let summary = s.room_summary_for(room_id, Some(&alice)).unwrap();
    assert_eq!(summary["name"], "Elsewhere");
    assert_eq!(summary["membership"], "invite");
    assert_eq!(summary["room_version"], "10");
    assert_eq!(summary["room_type"], "m.space");
    assert_eq!(summary["join_rule"], "invite");
    assert_eq!(summary["encryption"], "m.megolm.v1.aes-sha2");
    let bob = user(s, "bob").await;
    assert!(
        s.room_summary_for(room_id, Some(&bob)).is_err(),
        "only the invitee"
    );
    assert!(s.room_summary_for(room_id, None).is_err());
}
