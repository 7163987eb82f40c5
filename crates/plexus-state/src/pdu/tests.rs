//! The `Event` view of `plexus_core::Pdu`, and a PDU going through `check_auth`.

use plexus_core::Pdu;
use ruma::{canonical_json::CanonicalJsonValue, EventId, RoomVersionId};
use serde_json::{json, Value};

use crate::{check_auth, Event};

fn pdu(event_id: &str, json: Value) -> Pdu {
    let CanonicalJsonValue::Object(object) = CanonicalJsonValue::try_from(json).unwrap() else {
        unreachable!()
    };
    Pdu::from_json(EventId::parse(event_id).unwrap(), object).expect("valid PDU")
}

#[test]
fn v12_create_pdu_has_no_room_id_and_passes_rule_1() {
    let create = pdu(
        "$abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        json!({
            "type": "m.room.create", "sender": "@alice:example.org", "state_key": "",
            "content": { "room_version": "12" }, "origin_server_ts": 5, "depth": 1,
            "prev_events": [], "auth_events": [], "hashes": {}, "signatures": {},
        }),
    );
    assert_eq!(
        create.room_id(),
        None,
        "rule 1.2 (v12): a create event carries no room_id"
    );
    assert_eq!(u64::from(create.origin_server_ts().0), 5);
    assert_eq!(create.depth(), 1);
    assert!(create.prev_events().next().is_none());
    let rules = RoomVersionId::V12.rules().unwrap().authorization;
    check_auth(&rules, &create, |_, _| None::<Pdu>).expect("valid v12 create event");
}

#[test]
fn v10_member_pdu_exposes_its_fields() {
    let member = pdu(
        "$member",
        json!({
            "type": "m.room.member", "room_id": "!room:example.org", "sender": "@bob:example.org",
            "state_key": "@bob:example.org", "content": { "membership": "join" },
            "origin_server_ts": 7, "depth": 4, "prev_events": ["$prev"],
            "auth_events": ["$create", "$pl"], "hashes": {}, "signatures": {},
        }),
    );
    assert_eq!(
        member.room_id().map(|r| r.as_str()),
        Some("!room:example.org")
    );
    assert_eq!(member.state_key(), Some("@bob:example.org"));
    assert_eq!(member.event_type().to_string(), "m.room.member");
    let auth: Vec<&str> = member.auth_events().map(|id| id.as_str()).collect();
    assert_eq!(auth, ["$create", "$pl"]);
    assert_eq!(
        member
            .prev_events()
            .map(|id| id.as_str())
            .collect::<Vec<_>>(),
        ["$prev"]
    );
    assert!(!member.rejected());
}
