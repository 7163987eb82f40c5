//! Room summaries (MSC3266, spec v1.15): every path clients call, the
//! fields, the caller's membership, anonymous access to public rooms only,
//! 404 for rooms the caller may not preview, and `/versions` advertising it.

use complement_tests::encode::path_segment;
use complement_tests::{json, Client, TestServer};

const PATHS: [&str; 3] = [
    "/_matrix/client/v1/room_summary/",
    "/_matrix/client/unstable/im.nheko.summary/summary/",
    "/_matrix/client/unstable/im.nheko.summary/rooms/",
];

/// The summary URL of `room` (an ID or alias) under one of [`PATHS`].
fn summary_path(prefix: &str, room: &str) -> String {
    let suffix = if prefix.ends_with("/rooms/") {
        "/summary"
    } else {
        ""
    };
    format!("{prefix}{}{suffix}", path_segment(room))
}

#[tokio::test]
async fn summary_of_a_public_room_on_every_path() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let bob = server.client().register("bob").await;
    let body = json!({"preset": "public_chat", "name": "Cheese", "topic": "Tasty", "room_alias_name": "cheese"});
    let room = alice.create_room(body).await;
    let alias = format!("#cheese:{}", server.server_name());
    for prefix in PATHS {
        let summary = bob.get(&summary_path(prefix, &room)).await.ok();
        assert_eq!(summary["room_id"], room.as_str(), "{prefix}: {summary}");
        assert_eq!(summary["name"], "Cheese");
        assert_eq!(summary["topic"], "Tasty");
        assert_eq!(summary["canonical_alias"], alias.as_str());
        assert_eq!(summary["join_rule"], "public");
        assert_eq!(summary["num_joined_members"], 1);
        assert_eq!(summary["world_readable"], false);
        assert_eq!(summary["guest_can_join"], false);
        assert!(summary["room_version"].is_string());
        assert_eq!(summary["membership"], "leave");
    }
    let by_alias = alice.get(&summary_path(PATHS[0], &alias)).await.ok();
    assert_eq!(by_alias["room_id"], room.as_str());
    assert_eq!(by_alias["membership"], "join");
    let anonymous = Client::new(&server.base_url());
    let summary = anonymous.get(&summary_path(PATHS[0], &room)).await.ok();
    assert!(summary.get("membership").is_none(), "{summary}");
    let unknown = format!("#nowhere:{}", server.server_name());
    bob.get(&summary_path(PATHS[0], &unknown))
        .await
        .assert_error(404, "M_NOT_FOUND");
}

#[tokio::test]
async fn private_room_summary_only_for_members_and_invitees() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let bob = server.client().register("bob").await;
    let carol = server.client().register("carol").await;
    let room = alice.create_room(json!({"preset": "private_chat"})).await;
    let encryption = json!({"algorithm": "m.megolm.v1.aes-sha2"});
    alice
        .put_state(&room, "m.room.encryption", "", &encryption)
        .await;
    alice.invite(&room, &bob.user_id).await;
    let path = summary_path(PATHS[0], &room);
    let seen = bob.get(&path).await.ok();
    assert_eq!(seen["membership"], "invite");
    assert_eq!(seen["join_rule"], "invite");
    assert_eq!(seen["encryption"], "m.megolm.v1.aes-sha2");
    carol.get(&path).await.assert_error(404, "M_NOT_FOUND");
    Client::new(&server.base_url())
        .get(&path)
        .await
        .assert_error(404, "M_NOT_FOUND");
}

#[tokio::test]
async fn versions_advertise_room_summaries() {
    let server = TestServer::start_default().await;
    let versions = Client::new(&server.base_url())
        .get("/_matrix/client/versions")
        .await
        .ok();
    assert_eq!(versions["unstable_features"]["im.nheko.summary"], true);
}
