//! `/sync` room sections: leave (after leave, kick, ban), invite (stripped
//! state), join (newly joined or invited-then-joined rooms).

use std::time::Duration;

use complement_tests::{json, Client, TestServer, Value};

const WAIT: Duration = Duration::from_secs(10);

async fn pair_in_room(server: &TestServer) -> (Client, Client, String) {
    let anon = server.client();
    let alice = anon.register("alice").await;
    let bob = anon.register("bob").await;
    let room = alice.create_room(json!({"preset": "public_chat"})).await;
    bob.join(&room).await;
    (alice, bob, room)
}

#[tokio::test]
async fn left_room_appears_in_leave_section() {
    let server = TestServer::start_default().await;
    let (_alice, bob, room) = pair_in_room(&server).await;
    let since = bob.sync(None, 0, None).await["next_batch"]
        .as_str()
        .expect("next_batch")
        .to_owned();
    bob.leave(&room).await;
    let key = room.clone();
    let (left, _) = bob
        .sync_until(Some(&since), WAIT, |body| {
            body["rooms"]["leave"].get(&key).cloned()
        })
        .await;
    // Clients learn that they left from this event (matrix-js-sdk does).
    let events = left["timeline"]["events"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let leave = events
        .iter()
        .find(|e| e["type"] == "m.room.member" && e["state_key"] == bob.user_id.as_str());
    let leave = leave.unwrap_or_else(|| panic!("leave section without bob's leave event: {left}"));
    assert_eq!(leave["content"]["membership"], "leave");
}

#[tokio::test]
async fn room_joined_since_token_arrives_with_state() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let alice = anon.register("alice").await;
    let bob = anon.register("bob").await;
    let room = alice
        .create_room(json!({"preset": "public_chat", "name": "Newly joined"}))
        .await;
    let since = bob.sync(None, 0, None).await["next_batch"]
        .as_str()
        .expect("next_batch")
        .to_owned();
    bob.join(&room).await;
    let key = room.clone();
    let (joined, _) = bob
        .sync_until(Some(&since), WAIT, |body| {
            body["rooms"]["join"].get(&key).cloned()
        })
        .await;
    let mut events: Vec<Value> = joined["state"]["events"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    events.extend(
        joined["timeline"]["events"]
            .as_array()
            .cloned()
            .unwrap_or_default(),
    );
    let has = |kind: &str| events.iter().any(|e| e["type"] == kind);
    assert!(
        has("m.room.create") && has("m.room.name"),
        "joined room without its state: {joined}"
    );
}

#[tokio::test]
async fn invite_section_has_stripped_state() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let alice = anon.register("alice").await;
    let bob = anon.register("bob").await;
    let room = alice
        .create_room(json!({"preset": "private_chat", "name": "Secret club"}))
        .await;
    alice.invite(&room, &bob.user_id).await;
    let key = room.clone();
    let (invite, _) = bob
        .sync_until(None, WAIT, |body| {
            body["rooms"]["invite"].get(&key).cloned()
        })
        .await;
    let events = invite["invite_state"]["events"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let member = events
        .iter()
        .find(|e| e["type"] == "m.room.member" && e["state_key"] == bob.user_id.as_str());
    assert_eq!(
        member.map(|m| &m["content"]["membership"]),
        Some(&json!("invite")),
        "{invite}"
    );
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "m.room.name" && e["content"]["name"] == "Secret club"),
        "{invite}"
    );
}

#[tokio::test]
async fn kicked_user_gets_leave_section_with_kick() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = pair_in_room(&server).await;
    let since = bob.sync(None, 0, None).await["next_batch"]
        .as_str()
        .expect("next_batch")
        .to_owned();
    alice
        .membership(
            &room,
            "kick",
            json!({"user_id": bob.user_id, "reason": "bye"}),
        )
        .await
        .ok();
    let key = room.clone();
    let (left, _) = bob
        .sync_until(Some(&since), WAIT, |body| {
            body["rooms"]["leave"].get(&key).cloned()
        })
        .await;
    let events = left["timeline"]["events"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let kick = events
        .iter()
        .find(|e| e["type"] == "m.room.member" && e["state_key"] == bob.user_id.as_str());
    let kick = kick.unwrap_or_else(|| panic!("leave section without the kick: {left}"));
    assert_eq!(kick["sender"], alice.user_id.as_str());
    assert_eq!(kick["content"]["reason"], "bye");
}

#[tokio::test]
async fn invite_then_join_in_one_window_is_only_joined() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let alice = anon.register("alice").await;
    let bob = anon.register("bob").await;
    let room = alice.create_room(json!({"preset": "private_chat"})).await;
    let since = bob.sync(None, 0, None).await["next_batch"]
        .as_str()
        .expect("next_batch")
        .to_owned();
    alice.invite(&room, &bob.user_id).await;
    bob.join(&room).await;
    let key = room.clone();
    let (body, _) = bob
        .sync_until(Some(&since), WAIT, |body| {
            body["rooms"]["join"].get(&key).map(|_| body.clone())
        })
        .await;
    assert!(
        body["rooms"]["invite"].get(&room).is_none(),
        "room in invite and join: {body}"
    );
}

#[tokio::test]
async fn banned_user_gets_leave_section_with_ban() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = pair_in_room(&server).await;
    let since = bob.sync(None, 0, None).await["next_batch"]
        .as_str()
        .expect("next_batch")
        .to_owned();
    alice
        .membership(&room, "ban", json!({"user_id": bob.user_id}))
        .await
        .ok();
    let key = room.clone();
    let (left, _) = bob
        .sync_until(Some(&since), WAIT, |body| {
            body["rooms"]["leave"].get(&key).cloned()
        })
        .await;
    let events = left["timeline"]["events"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let ban = events
        .iter()
        .find(|e| e["type"] == "m.room.member" && e["state_key"] == bob.user_id.as_str());
    assert_eq!(
        ban.map(|e| &e["content"]["membership"]),
        Some(&json!("ban")),
        "{left}"
    );
}
