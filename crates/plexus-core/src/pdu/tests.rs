use ruma::{owned_room_id, owned_server_name, owned_user_id, RoomVersionId};
use serde_json::json;

use super::*;

fn key() -> SigningKey {
    SigningKey::from_pkcs8(
        owned_server_name!("example.org"),
        &SigningKey::generate_pkcs8(),
        "a1",
    )
    .unwrap()
}

fn template(room_id: Option<OwnedRoomId>, kind: &str, content: serde_json::Value) -> PduTemplate {
    PduTemplate {
        room_id,
        sender: owned_user_id!("@alice:example.org"),
        kind: kind.into(),
        content,
        state_key: Some(String::new()),
        prev_events: vec![],
        auth_events: vec![],
        depth: 1,
        origin_server_ts: 1_700_000_000_000,
    }
}

#[test]
fn v12_create_event_derives_room_id_from_its_event_id() {
    let rules = RoomVersionId::V12.rules().unwrap();
    let pdu = template(None, "m.room.create", json!({"room_version": "12"}))
        .sign(&rules, &key())
        .unwrap();
    assert_eq!(
        pdu.room_id.as_str().trim_start_matches('!'),
        pdu.event_id.as_str().trim_start_matches('$')
    );
    assert!(!pdu.json.contains_key("room_id"));
}

#[test]
fn stored_form_round_trips_and_keeps_the_reference_hash() {
    let rules = RoomVersionId::V10.rules().unwrap();
    let pdu = template(
        Some(owned_room_id!("!r:example.org")),
        "m.room.topic",
        json!({"topic": "hi"}),
    )
    .sign(&rules, &key())
    .unwrap();
    let again = Pdu::from_stored(pdu.event_id.clone(), pdu.to_json_string().as_bytes()).unwrap();
    assert_eq!(again.content_str("topic").as_deref(), Some("hi"));
    let recomputed = Pdu::from_federation(again.json.clone(), &rules).unwrap();
    assert_eq!(recomputed.event_id, pdu.event_id);
    assert!(pdu.json.contains_key("signatures") && pdu.json.contains_key("hashes"));
}

#[test]
fn oversized_event_is_refused() {
    let rules = RoomVersionId::V11.rules().unwrap();
    let body = "x".repeat(70_000);
    let err = template(
        Some(owned_room_id!("!r:example.org")),
        "m.room.message",
        json!({"body": body}),
    )
    .sign(&rules, &key())
    .unwrap_err();
    assert!(matches!(err, PduError::TooLarge), "{err:?}");
}

#[test]
fn v1_events_carry_their_id_and_reference_pairs() {
    let rules = RoomVersionId::V1.rules().unwrap();
    let mut t = template(
        Some(owned_room_id!("!r:example.org")),
        "m.room.topic",
        json!({}),
    );
    t.prev_events = vec![ruma::owned_event_id!("$prev:example.org")];
    let pdu = t.sign(&rules, &key()).unwrap();
    assert!(pdu.event_id.as_str().ends_with(":example.org"));
    assert_eq!(
        pdu.prev_events,
        vec![ruma::owned_event_id!("$prev:example.org")]
    );
}
