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

/// Two servers on loopback: `a`'s users look up `b`'s profile, alias and
/// keys through the client API's service calls, over signed HTTPS.
mod over_the_wire {
    use std::time::Duration;

    use plexus_service::users::NewDevice;
    use ruma::{OwnedRoomAliasId, OwnedUserId};
    use serde_json::json;

    use crate::testing::pair::pair;

    #[tokio::test]
    async fn profiles_aliases_and_keys_of_another_server() {
        let pair = pair().await;
        let (a, b) = (pair.a.services(), pair.b.services());
        let alice = pair.a.user("alice").await;
        let bob = pair.b.user("bob").await;
        b.set_profile_field(
            &bob,
            plexus_service::profile::ProfileField::DisplayName,
            Some("Bob".into()),
        )
        .await
        .unwrap();
        let (name, _) = a.profile_anywhere(&bob, None).await.unwrap();
        assert_eq!(name.as_deref(), Some("Bob"));

        let room = pair.b.public_room(&bob).await;
        let alias: OwnedRoomAliasId = format!("#hall:{}", pair.b.name).try_into().unwrap();
        b.add_alias(alias.as_str(), &room, &bob).unwrap();
        let (room_id, servers) = a.resolve_alias_anywhere(&alias).await.unwrap().unwrap();
        assert_eq!(room_id, room);
        assert_eq!(servers[0].as_str(), pair.b.name);
        let missing: OwnedRoomAliasId = format!("#nope:{}", pair.b.name).try_into().unwrap();
        assert!(a.resolve_alias_anywhere(&missing).await.unwrap().is_none());

        let device = NewDevice {
            device_id: Some("BDEV".into()),
            display_name: None,
            refreshable: false,
        };
        b.login(&bob, device).unwrap();
        let upload = json!({"one_time_keys": {"signed_curve25519:K1": {"key": "one"}}});
        b.upload_keys(&bob, "BDEV", &upload).unwrap();
        let claim = json!({ bob.as_str(): {"BDEV": "signed_curve25519"} });
        let claimed = a
            .claim_keys_federated(&claim, Duration::from_secs(10))
            .await
            .unwrap();
        assert_eq!(claimed["failures"], json!({}), "{claimed}");
        let key = &claimed["one_time_keys"][bob.as_str()]["BDEV"]["signed_curve25519:K1"];
        assert_eq!(key["key"], "one");

        let nowhere: OwnedUserId = "@x:127.0.0.1:1".try_into().unwrap();
        let query = json!({ bob.as_str(): [], nowhere.as_str(): [] });
        let answer = a
            .query_keys_federated(&alice, &query, Duration::from_secs(5))
            .await
            .unwrap();
        assert!(answer["device_keys"][bob.as_str()].is_object(), "{answer}");
        assert!(answer["failures"]["127.0.0.1:1"].is_object(), "{answer}");
    }
}
