//! Finer points of history access: `/messages` with `to` and without
//! `from`, sync filters on event types and rooms, state and events seen by
//! users who left or joined late.

use std::time::Duration;

use complement_tests::encode::{path_segment, query_value};
use complement_tests::rooms::{message_bodies, room_path};
use complement_tests::{json, Client, TestServer, Value};

async fn room_with_messages(server: &TestServer, count: usize) -> (Client, String) {
    let alice = server.client().register("alice").await;
    let room = alice.create_room(json!({"preset": "public_chat"})).await;
    for i in 0..count {
        alice.send_text(&room, &format!("m{i}")).await;
    }
    (alice, room)
}

fn chunk_bodies(page: &Value) -> Vec<String> {
    message_bodies(page["chunk"].as_array().expect("chunk"))
}

#[tokio::test]
async fn messages_stop_at_to_token() {
    let server = TestServer::start_default().await;
    let (alice, room) = room_with_messages(&server, 3).await;
    let mark = alice.messages_raw(&room, "b", None, 1).await.ok();
    let to = mark["start"].as_str().expect("start").to_owned();
    for i in 3..6 {
        alice.send_text(&room, &format!("m{i}")).await;
    }
    let path = room_path(
        &room,
        &format!("messages?dir=b&limit=50&to={}", query_value(&to)),
    );
    let page = alice.get(&path).await.ok();
    assert_eq!(
        chunk_bodies(&page),
        ["m5", "m4", "m3"],
        "`to` not honoured: {page}"
    );
}

#[tokio::test]
async fn forward_messages_without_from_start_at_the_beginning() {
    let server = TestServer::start_default().await;
    let (alice, room) = room_with_messages(&server, 3).await;
    let page = alice
        .get(&room_path(&room, "messages?dir=f&limit=50"))
        .await
        .ok();
    let events = page["chunk"].as_array().expect("chunk");
    assert_eq!(
        events.first().map(|e| &e["type"]),
        Some(&json!("m.room.create")),
        "{page}"
    );
    assert_eq!(chunk_bodies(&page), ["m0", "m1", "m2"]);
}

#[tokio::test]
async fn sync_filter_on_types_and_rooms() {
    let server = TestServer::start_default().await;
    let (alice, room) = room_with_messages(&server, 2).await;
    let other = alice.create_room(json!({})).await;
    alice
        .put_state(&room, "org.example.s", "k", &json!({}))
        .await;
    let filter =
        json!({"room": {"rooms": [room], "timeline": {"types": ["m.room.message"], "limit": 10}}});
    let body = alice.sync(None, 0, Some(&filter.to_string())).await;
    assert!(
        body["rooms"]["join"].get(&other).is_none(),
        "room filter ignored: {body}"
    );
    let timeline = Client::joined_events(&body, &room, "timeline");
    assert!(
        !timeline.is_empty() && timeline.iter().all(|e| e["type"] == "m.room.message"),
        "{body}"
    );
    let not_types = json!({"room": {"timeline": {"not_types": ["m.room.message"]}}});
    let body = alice.sync(None, 0, Some(&not_types.to_string())).await;
    let timeline = Client::joined_events(&body, &room, "timeline");
    assert!(
        timeline.iter().all(|e| e["type"] != "m.room.message"),
        "not_types ignored: {body}"
    );
}

#[tokio::test]
async fn state_after_leaving_is_frozen_at_the_leave() {
    let server = TestServer::start_default().await;
    let (alice, room) = room_with_messages(&server, 0).await;
    let bob = server.client().register("bob").await;
    bob.join(&room).await;
    alice
        .put_state(&room, "m.room.topic", "", &json!({"topic": "before"}))
        .await;
    bob.leave(&room).await;
    alice
        .put_state(&room, "m.room.topic", "", &json!({"topic": "after"}))
        .await;
    let topic = bob.get_state(&room, "m.room.topic", "").await.ok();
    assert_eq!(topic["topic"], "before", "a left member sees later state");
}

#[tokio::test]
async fn event_before_join_is_hidden_with_joined_visibility() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let body = json!({
        "preset": "public_chat",
        "initial_state": [{"type": "m.room.history_visibility", "state_key": "", "content": {"history_visibility": "joined"}}],
    });
    let room = alice.create_room(body).await;
    let secret = alice.send_text(&room, "before bob").await;
    let bob = server.client().register("bob").await;
    bob.join(&room).await;
    let path = room_path(&room, &format!("event/{}", path_segment(&secret)));
    bob.get(&path).await.assert_error(404, "M_NOT_FOUND");
    let context = bob
        .get(&room_path(
            &room,
            &format!("context/{}", path_segment(&secret)),
        ))
        .await;
    assert_eq!(
        context.status, 404,
        "context of a hidden event: {context:?}"
    );
}

#[tokio::test]
async fn presence_reaches_room_mates() {
    let server = TestServer::start_default().await;
    let (alice, room) = room_with_messages(&server, 0).await;
    let bob = server.client().register("bob").await;
    bob.join(&room).await;
    let path = format!(
        "/_matrix/client/v3/presence/{}/status",
        path_segment(&alice.user_id)
    );
    alice
        .put(&path, &json!({"presence": "online", "status_msg": "here"}))
        .await
        .ok();
    let alice_id = alice.user_id.clone();
    let (presence, _) = bob
        .sync_until(None, Duration::from_secs(10), |body| {
            let events = body["presence"]["events"].as_array()?;
            events
                .iter()
                .find(|e| e["sender"] == alice_id.as_str())
                .cloned()
        })
        .await;
    assert_eq!(presence["content"]["presence"], "online");
    assert_eq!(presence["content"]["status_msg"], "here");
}
