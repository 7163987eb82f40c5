//! Parsing and checking of other servers' query answers.

use ruma::ServerName;
use serde_json::json;

use super::{keep_users_of, parse_alias};

fn server(name: &str) -> &ServerName {
    <&ServerName>::try_from(name).unwrap()
}

#[test]
fn a_server_may_only_answer_for_its_own_users() {
    let answer = json!({
        "device_keys": {
            "@a:remote.example": {"D": {"keys": {}}},
            "@b:evil.example": {"D": {"keys": {}}},
            "@c:remote.example": "not an object",
        },
        "master_keys": {"@a:remote.example": {"usage": ["master"]}},
    });
    let kept = keep_users_of(
        answer,
        server("remote.example"),
        &["device_keys", "master_keys", "self_signing_keys"],
    )
    .unwrap();
    let users: Vec<&String> = kept["device_keys"].as_object().unwrap().keys().collect();
    assert_eq!(users, ["@a:remote.example"]);
    assert!(kept["master_keys"]["@a:remote.example"].is_object());
    assert_eq!(kept["self_signing_keys"], json!({}));
    assert!(keep_users_of(json!([]), server("remote.example"), &["one_time_keys"]).is_err());
}

#[test]
fn alias_answers_need_a_room_id_and_default_to_the_alias_server() {
    let alias = parse_alias(
        json!({"room_id": "!r:remote.example"}),
        server("remote.example"),
    );
    let alias = alias.unwrap();
    assert_eq!(alias.room_id.as_str(), "!r:remote.example");
    assert_eq!(alias.servers, vec![server("remote.example").to_owned()]);
    let listed = json!({"room_id": "!r:x.example", "servers": ["a.example", "b.example"]});
    let alias = parse_alias(listed, server("remote.example")).unwrap();
    assert_eq!(alias.servers.len(), 2);
    assert!(parse_alias(json!({"servers": []}), server("remote.example")).is_err());
}
