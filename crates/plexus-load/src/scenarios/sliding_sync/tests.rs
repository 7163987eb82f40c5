//! Tests of the request the scenario sends and of how it reads responses.

use super::{element_x_request, parse, timeline_has, LIST};
use serde_json::json;

#[test]
fn request_is_element_x_room_list() {
    let r = element_x_request();
    let list = &r["lists"][LIST];
    assert_eq!(list["ranges"], json!([[0, 19]]));
    assert_eq!(list["timeline_limit"], 1);
    assert_eq!(list["required_state"].as_array().map(Vec::len), Some(4));
    assert_eq!(list["required_state"][3], json!(["m.room.member", "$ME"]));
    for ext in ["e2ee", "to_device", "account_data", "receipts", "typing"] {
        assert_eq!(r["extensions"][ext]["enabled"], true, "{ext}");
    }
}

#[test]
fn parse_reads_pos_count_and_rooms() {
    let body = json!({
        "pos": "42",
        "lists": { LIST: { "count": 300 } },
        "rooms": {
            "!b:x": { "timeline": [{ "type": "m.room.message", "content": { "body": "hi" } }] },
            "!a:x": {},
        },
    });
    let raw = serde_json::to_vec(&body).unwrap();
    let p = parse(&raw).unwrap();
    assert_eq!(
        (p.pos.as_str(), p.list_count, p.bytes),
        ("42", 300, raw.len())
    );
    assert_eq!(p.rooms, vec!["!a:x", "!b:x"]);
    assert!(timeline_has(&p.body, "!b:x", "hi"));
    assert!(!timeline_has(&p.body, "!b:x", "other"));
    assert!(!timeline_has(&p.body, "!a:x", "hi"));
}

#[test]
fn parse_requires_pos() {
    assert!(parse(br#"{"lists":{}}"#).is_err());
    assert!(parse(b"not json").is_err());
}
