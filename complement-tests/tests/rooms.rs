//! `POST /createRoom`: presets, name, topic, invites, aliases, versions.

use std::time::Duration;

use complement_tests::{json, Client, TestServer};

async fn two_users(server: &TestServer) -> (Client, Client) {
    let anon = server.client();
    (anon.register("alice").await, anon.register("bob").await)
}

#[tokio::test]
async fn private_chat_preset_is_invite_only() {
    let server = TestServer::start_default().await;
    let (alice, bob) = two_users(&server).await;
    let room = alice.create_room(json!({"preset": "private_chat"})).await;
    let rules = alice.get_state(&room, "m.room.join_rules", "").await.ok();
    assert_eq!(rules["join_rule"], "invite");
    let visibility = alice
        .get_state(&room, "m.room.history_visibility", "")
        .await
        .ok();
    assert_eq!(visibility["history_visibility"], "shared");
    bob.join_raw(&room).await.assert_error(403, "M_FORBIDDEN");
}

#[tokio::test]
async fn public_chat_preset_is_joinable() {
    let server = TestServer::start_default().await;
    let (alice, bob) = two_users(&server).await;
    let room = alice.create_room(json!({"preset": "public_chat"})).await;
    let rules = alice.get_state(&room, "m.room.join_rules", "").await.ok();
    assert_eq!(rules["join_rule"], "public");
    assert_eq!(bob.join(&room).await, room);
    assert_eq!(
        alice.membership_of(&room, &bob.user_id).await.as_deref(),
        Some("join")
    );
}

#[tokio::test]
async fn trusted_private_chat_gives_invitees_power() {
    let server = TestServer::start_default().await;
    let (alice, bob) = two_users(&server).await;
    let body = json!({"preset": "trusted_private_chat", "invite": [bob.user_id]});
    let room = alice.create_room(body).await;
    // Room version 12 (the default): invitees become additional creators (spec v1.16, MSC4289).
    let create = alice.get_state(&room, "m.room.create", "").await.ok();
    assert_eq!(
        create["additional_creators"],
        json!([bob.user_id]),
        "{create}"
    );
    // Older versions: invitees get the creator's power level.
    let body =
        json!({"preset": "trusted_private_chat", "invite": [bob.user_id], "room_version": "11"});
    let room = alice.create_room(body).await;
    let levels = alice.get_state(&room, "m.room.power_levels", "").await.ok();
    assert_eq!(levels["users"][&bob.user_id], 100, "{levels}");
}

#[tokio::test]
async fn creator_has_power_and_create_event() {
    let server = TestServer::start_default().await;
    let (alice, _) = two_users(&server).await;
    let room = alice.create_room(json!({})).await;
    let create = alice.get_state(&room, "m.room.create", "").await.ok();
    assert!(create["room_version"].is_string(), "{create}");
    let levels = alice.get_state(&room, "m.room.power_levels", "").await.ok();
    let version = create["room_version"].as_str().unwrap_or("");
    if version != "12" {
        assert_eq!(levels["users"][&alice.user_id], 100, "{levels}");
    }
    assert_eq!(
        alice.membership_of(&room, &alice.user_id).await.as_deref(),
        Some("join")
    );
    assert_eq!(alice.joined_rooms().await, vec![room]);
}

#[tokio::test]
async fn room_version_can_be_chosen() {
    let server = TestServer::start_default().await;
    let (alice, _) = two_users(&server).await;
    let room = alice.create_room(json!({"room_version": "10"})).await;
    let create = alice.get_state(&room, "m.room.create", "").await.ok();
    assert_eq!(create["room_version"], "10");
    let response = alice
        .post(
            "/_matrix/client/v3/createRoom",
            &json!({"room_version": "999"}),
        )
        .await;
    response.assert_error(400, "M_UNSUPPORTED_ROOM_VERSION");
}

#[tokio::test]
async fn name_topic_and_initial_state_are_set() {
    let server = TestServer::start_default().await;
    let (alice, _) = two_users(&server).await;
    let body = json!({
        "name": "The Room",
        "topic": "Things",
        "initial_state": [{"type": "org.example.flag", "state_key": "", "content": {"on": true}}],
    });
    let room = alice.create_room(body).await;
    assert_eq!(
        alice.get_state(&room, "m.room.name", "").await.ok()["name"],
        "The Room"
    );
    assert_eq!(
        alice.get_state(&room, "m.room.topic", "").await.ok()["topic"],
        "Things"
    );
    assert_eq!(
        alice.get_state(&room, "org.example.flag", "").await.ok()["on"],
        true
    );
}

#[tokio::test]
async fn invitees_are_invited() {
    let server = TestServer::start_default().await;
    let (alice, bob) = two_users(&server).await;
    let body = json!({"preset": "private_chat", "invite": [bob.user_id], "is_direct": true});
    let room = alice.create_room(body).await;
    assert_eq!(
        alice.membership_of(&room, &bob.user_id).await.as_deref(),
        Some("invite")
    );
    bob.wait_for_invite(&room).await;
    assert_eq!(bob.join(&room).await, room);
    assert_eq!(
        alice.membership_of(&room, &bob.user_id).await.as_deref(),
        Some("join")
    );
}

#[tokio::test]
async fn room_alias_name_creates_alias() {
    let server = TestServer::start_default().await;
    let (alice, bob) = two_users(&server).await;
    let room = alice
        .create_room(json!({"preset": "public_chat", "room_alias_name": "lobby"}))
        .await;
    let resolved = bob
        .get("/_matrix/client/v3/directory/room/%23lobby%3Alocalhost")
        .await
        .ok();
    assert_eq!(resolved["room_id"], room.as_str());
    let canonical = alice
        .get_state(&room, "m.room.canonical_alias", "")
        .await
        .ok();
    assert_eq!(canonical["alias"], "#lobby:localhost");
    assert_eq!(bob.join("#lobby:localhost").await, room);
    let again = alice
        .post(
            "/_matrix/client/v3/createRoom",
            &json!({"room_alias_name": "lobby"}),
        )
        .await;
    again.assert_error(400, "M_ROOM_IN_USE");
}

#[tokio::test]
async fn created_room_appears_in_creators_sync() {
    let server = TestServer::start_default().await;
    let (alice, _) = two_users(&server).await;
    let room = alice.create_room(json!({"name": "Synced"})).await;
    let limit = Duration::from_secs(10);
    let (state, _) = alice
        .sync_until(None, limit, |body| {
            body["rooms"]["join"].get(&room).cloned()
        })
        .await;
    let all = format!("{state}");
    assert!(
        all.contains("m.room.create") && all.contains("Synced"),
        "{all}"
    );
}

#[tokio::test]
async fn power_level_content_override_applies() {
    let server = TestServer::start_default().await;
    let (alice, bob) = two_users(&server).await;
    let body =
        json!({"preset": "public_chat", "power_level_content_override": {"events_default": 50}});
    let room = alice.create_room(body).await;
    let levels = alice.get_state(&room, "m.room.power_levels", "").await.ok();
    assert_eq!(levels["events_default"], 50, "{levels}");
    bob.join(&room).await;
    let content = json!({"msgtype": "m.text", "body": "muted"});
    let response = bob.send_raw(&room, "m.room.message", "t1", &content).await;
    response.assert_error(403, "M_FORBIDDEN");
    alice.send_text(&room, "announcement").await;
}
