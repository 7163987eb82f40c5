//! Sending events: transaction idempotency, fetching by ID, state events
//! (with and without a trailing slash for empty keys), size limits.

use complement_tests::rooms::room_path;
use complement_tests::{json, Client, TestServer};

async fn alice_with_room(server: &TestServer) -> (Client, String) {
    let alice = server.client().register("alice").await;
    let room = alice.create_room(json!({"preset": "private_chat"})).await;
    (alice, room)
}

#[tokio::test]
async fn same_txn_id_gives_same_event() {
    let server = TestServer::start_default().await;
    let (alice, room) = alice_with_room(&server).await;
    let content = json!({"msgtype": "m.text", "body": "once"});
    let first = alice
        .send_raw(&room, "m.room.message", "txn-1", &content)
        .await
        .ok();
    let second = alice
        .send_raw(&room, "m.room.message", "txn-1", &content)
        .await
        .ok();
    assert_eq!(first["event_id"], second["event_id"]);
    let other = alice
        .send_raw(&room, "m.room.message", "txn-2", &content)
        .await
        .ok();
    assert_ne!(first["event_id"], other["event_id"]);
    assert_eq!(alice.message_bodies(&room).await, vec!["once", "once"]);
}

#[tokio::test]
async fn txn_ids_are_scoped_per_device() {
    let server = TestServer::start_default().await;
    let (alice, room) = alice_with_room(&server).await;
    let other_device = server
        .client()
        .login("alice", complement_tests::PASSWORD)
        .await;
    let content = json!({"msgtype": "m.text", "body": "hi"});
    let first = alice
        .send_raw(&room, "m.room.message", "same", &content)
        .await
        .ok();
    let second = other_device
        .send_raw(&room, "m.room.message", "same", &content)
        .await
        .ok();
    assert_ne!(first["event_id"], second["event_id"]);
}

#[tokio::test]
async fn event_can_be_fetched_by_id() {
    let server = TestServer::start_default().await;
    let (alice, room) = alice_with_room(&server).await;
    let event_id = alice.send_text(&room, "fetch me").await;
    let path = room_path(
        &room,
        &format!(
            "event/{}",
            complement_tests::encode::path_segment(&event_id)
        ),
    );
    let event = alice.get(&path).await.ok();
    assert_eq!(event["event_id"], event_id.as_str());
    assert_eq!(event["content"]["body"], "fetch me");
    assert_eq!(event["sender"], alice.user_id.as_str());
    assert_eq!(event["room_id"], room.as_str());
}

#[tokio::test]
async fn state_put_and_get() {
    let server = TestServer::start_default().await;
    let (alice, room) = alice_with_room(&server).await;
    let content = json!({"colour": "blue"});
    let event_id = alice
        .put_state(&room, "org.example.colour", "sky", &content)
        .await;
    assert!(event_id.starts_with('$'));
    assert_eq!(
        alice
            .get_state(&room, "org.example.colour", "sky")
            .await
            .ok(),
        content
    );
    alice
        .put_state(
            &room,
            "org.example.colour",
            "sky",
            &json!({"colour": "grey"}),
        )
        .await;
    assert_eq!(
        alice
            .get_state(&room, "org.example.colour", "sky")
            .await
            .ok()["colour"],
        "grey"
    );
    alice
        .get_state(&room, "org.example.colour", "sea")
        .await
        .assert_error(404, "M_NOT_FOUND");
    let all = alice.get(&room_path(&room, "state")).await.ok();
    let found = all.as_array().expect("state array").iter().any(|e| {
        e["type"] == "org.example.colour"
            && e["state_key"] == "sky"
            && e["content"]["colour"] == "grey"
    });
    assert!(found, "full state lacks the event: {all}");
}

#[tokio::test]
async fn state_without_power_is_forbidden() {
    let server = TestServer::start_default().await;
    let (alice, room) = alice_with_room(&server).await;
    let bob = server.client().register("bob").await;
    alice.invite(&room, &bob.user_id).await;
    bob.join(&room).await;
    let path = room_path(&room, "state/m.room.name/");
    bob.put(&path, &json!({"name": "hijacked"}))
        .await
        .assert_error(403, "M_FORBIDDEN");
}

#[tokio::test]
async fn empty_state_key_without_trailing_slash() {
    let server = TestServer::start_default().await;
    let (alice, room) = alice_with_room(&server).await;
    let path = room_path(&room, "state/m.room.topic");
    let put = alice.put(&path, &json!({"topic": "no slash"})).await.ok();
    assert!(put["event_id"].is_string());
    assert_eq!(alice.get(&path).await.ok()["topic"], "no slash");
    assert_eq!(
        alice.get_state(&room, "m.room.topic", "").await.ok()["topic"],
        "no slash"
    );
}

#[tokio::test]
async fn oversized_event_is_refused() {
    let server = TestServer::start_default().await;
    let (alice, room) = alice_with_room(&server).await;
    let content = json!({"msgtype": "m.text", "body": "x".repeat(70_000)});
    let response = alice
        .send_raw(&room, "m.room.message", "big", &content)
        .await;
    assert!(
        (400..500).contains(&response.status),
        "a 70 kB event was accepted: {}",
        response.status
    );
    assert_eq!(response.errcode(), "M_TOO_LARGE", "{:?}", response.body);
    assert!(
        alice.message_bodies(&room).await.is_empty(),
        "the oversized event was stored"
    );
}

#[tokio::test]
async fn overlong_event_type_is_refused() {
    let server = TestServer::start_default().await;
    let (alice, room) = alice_with_room(&server).await;
    let long = "t".repeat(300);
    let response = alice.send_raw(&room, &long, "long-type", &json!({})).await;
    assert!(
        (400..500).contains(&response.status),
        "300-byte type accepted: {response:?}"
    );
}

#[tokio::test]
async fn overlong_state_key_is_refused() {
    let server = TestServer::start_default().await;
    let (alice, room) = alice_with_room(&server).await;
    let long = "k".repeat(300);
    let path = room_path(&room, &format!("state/org.example.s/{long}"));
    let response = alice.put(&path, &json!({})).await;
    assert!(
        (400..500).contains(&response.status),
        "300-byte state_key accepted: {response:?}"
    );
}
