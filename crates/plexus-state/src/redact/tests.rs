//! The redaction algorithm of every room version, checked against the spec's key lists
//! (written out here independently of ruma's tables).

use std::collections::BTreeSet;

use ruma::{canonical_json::CanonicalJsonValue, RoomVersionId};
use serde_json::{json, Value};

use crate::redact;

fn all_versions() -> Vec<RoomVersionId> {
    use RoomVersionId::*;
    vec![V1, V2, V3, V4, V5, V6, V7, V8, V9, V10, V11, V12]
}

fn version_number(version: &RoomVersionId) -> u8 {
    version.as_str().parse().expect("numeric room version")
}

/// The top-level keys the spec keeps for room version `v`.
fn kept_top_level(v: u8) -> BTreeSet<&'static str> {
    let mut keys: BTreeSet<&str> = [
        "event_id",
        "type",
        "room_id",
        "sender",
        "state_key",
        "content",
        "hashes",
        "signatures",
        "depth",
        "prev_events",
        "auth_events",
        "origin_server_ts",
    ]
    .into();
    if v < 11 {
        keys.extend(["prev_state", "origin", "membership"]);
    }
    keys
}

/// The content the spec keeps for an event type in room version `v`, from `content`.
fn kept_content(v: u8, kind: &str, content: &Value) -> Value {
    let keep: Vec<&str> = match kind {
        "m.room.member" if v >= 11 => vec!["membership", "join_authorised_via_users_server"],
        "m.room.member" if v >= 9 => vec!["membership", "join_authorised_via_users_server"],
        "m.room.member" => vec!["membership"],
        "m.room.create" if v >= 11 => return content.clone(),
        "m.room.create" => vec!["creator"],
        "m.room.join_rules" if v >= 8 => vec!["join_rule", "allow"],
        "m.room.join_rules" => vec!["join_rule"],
        "m.room.power_levels" => {
            let mut keys = vec!["ban", "events", "events_default", "kick", "redact"];
            keys.extend(["state_default", "users", "users_default"]);
            if v >= 11 {
                keys.push("invite");
            }
            keys
        }
        "m.room.aliases" if v < 6 => vec!["aliases"],
        "m.room.history_visibility" => vec!["history_visibility"],
        "m.room.redaction" if v >= 11 => vec!["redacts"],
        _ => vec![],
    };
    let mut kept = serde_json::Map::new();
    for key in keep {
        if let Some(value) = content.get(key) {
            kept.insert(key.to_owned(), value.clone());
        }
    }
    if kind == "m.room.member" && v >= 11 {
        if let Some(signed) = content.pointer("/third_party_invite/signed") {
            kept.insert("third_party_invite".into(), json!({ "signed": signed }));
        }
    }
    Value::Object(kept)
}

/// A content object with every key any version keeps, plus junk.
fn full_content() -> Value {
    json!({
        "membership": "join", "join_authorised_via_users_server": "@a:x",
        "third_party_invite": { "display_name": "d", "signed": { "token": "t" } },
        "creator": "@a:x", "room_version": "1", "m.federate": true,
        "join_rule": "restricted", "allow": [],
        "ban": 1, "events": {}, "events_default": 1, "invite": 1, "kick": 1, "redact": 1,
        "state_default": 1, "users": {}, "users_default": 1, "notifications": { "room": 1 },
        "aliases": ["#a:x"], "history_visibility": "shared", "redacts": "$x", "junk": 1,
    })
}

fn pdu(kind: &str) -> Value {
    json!({
        "event_id": "$e:x", "type": kind, "room_id": "!r:x", "sender": "@a:x", "state_key": "",
        "content": full_content(), "hashes": { "sha256": "h" }, "signatures": {}, "depth": 3,
        "prev_events": [], "prev_state": [], "auth_events": [], "origin": "x",
        "origin_server_ts": 1, "membership": "join", "unsigned": { "age": 1 }, "junk": true,
    })
}

#[test]
fn redaction_keeps_exactly_the_spec_keys_in_every_room_version() {
    let kinds = [
        "m.room.member",
        "m.room.create",
        "m.room.join_rules",
        "m.room.power_levels",
        "m.room.aliases",
        "m.room.history_visibility",
        "m.room.redaction",
        "m.room.message",
    ];
    for version in all_versions() {
        let v = version_number(&version);
        let rules = version.rules().expect("known version").redaction;
        for kind in kinds {
            let CanonicalJsonValue::Object(object) =
                CanonicalJsonValue::try_from(pdu(kind)).unwrap()
            else {
                unreachable!()
            };
            let redacted: Value =
                CanonicalJsonValue::Object(redact(&rules, object).unwrap()).into();
            let top: BTreeSet<&str> = redacted
                .as_object()
                .unwrap()
                .keys()
                .map(|k| k.as_str())
                .collect();
            assert_eq!(top, kept_top_level(v), "v{v} {kind}: top-level keys");
            let expected = kept_content(v, kind, &full_content());
            assert_eq!(redacted["content"], expected, "v{v} {kind}: content");
        }
    }
}
