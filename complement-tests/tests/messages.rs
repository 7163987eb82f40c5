//! `/messages` pagination in both directions with round-tripping tokens,
//! event fields, type filters, and `/context`.

use complement_tests::rooms::{message_bodies, room_path};
use complement_tests::{json, Client, TestServer, Value};

async fn alice_with_room(server: &TestServer) -> (Client, String) {
    let alice = server.client().register("alice").await;
    let room = alice.create_room(json!({"preset": "private_chat"})).await;
    (alice, room)
}

fn event_ids(chunk: &Value) -> Vec<String> {
    let events = chunk.as_array().expect("chunk array");
    events
        .iter()
        .map(|e| e["event_id"].as_str().expect("event_id").to_owned())
        .collect()
}

async fn send_numbered(client: &Client, room: &str, count: usize) -> Vec<String> {
    let mut bodies = Vec::with_capacity(count);
    for i in 0..count {
        let body = format!("message {i:02}");
        client.send_text(room, &body).await;
        bodies.push(body);
    }
    bodies
}

/// Pages through `/messages` in `dir` from `from` until an empty chunk;
/// returns (bodies in response order, the last `end` token).
async fn paginate(
    client: &Client,
    room: &str,
    dir: &str,
    from: Option<String>,
) -> (Vec<String>, Option<String>) {
    let mut events: Vec<Value> = Vec::new();
    let mut from = from;
    for _ in 0..50 {
        let page = client
            .messages_raw(room, dir, from.as_deref(), 7)
            .await
            .ok();
        assert!(page["start"].is_string(), "page without start: {page}");
        let chunk = page["chunk"].as_array().cloned().unwrap_or_default();
        assert!(chunk.len() <= 7, "limit ignored: {} events", chunk.len());
        events.extend(chunk.iter().cloned());
        match page["end"].as_str() {
            Some(end) if !chunk.is_empty() => from = Some(end.to_owned()),
            _ => return (message_bodies(&events), from),
        }
    }
    panic!("pagination did not end within 50 pages");
}

#[tokio::test]
async fn messages_paginate_backwards_and_forwards() {
    let server = TestServer::start_default().await;
    let (alice, room) = alice_with_room(&server).await;
    let sent = send_numbered(&alice, &room, 25).await;
    let (mut backwards, oldest) = paginate(&alice, &room, "b", None).await;
    backwards.reverse();
    assert_eq!(
        backwards, sent,
        "backward pagination lost or reordered messages"
    );
    let (forwards, _) = paginate(&alice, &room, "f", oldest).await;
    assert_eq!(
        forwards, sent,
        "forward pagination from the oldest token differs"
    );
}

#[tokio::test]
async fn messages_tokens_round_trip() {
    let server = TestServer::start_default().await;
    let (alice, room) = alice_with_room(&server).await;
    send_numbered(&alice, &room, 12).await;
    let first = alice.messages_raw(&room, "b", None, 5).await.ok();
    let start = first["start"].as_str().expect("start").to_owned();
    let again = alice.messages_raw(&room, "b", Some(&start), 5).await.ok();
    assert_eq!(
        event_ids(&first["chunk"]),
        event_ids(&again["chunk"]),
        "same `from` must give the same page"
    );
    let end = first["end"].as_str().expect("end").to_owned();
    let second = alice.messages_raw(&room, "b", Some(&end), 5).await.ok();
    let back = second["chunk"].as_array().expect("chunk");
    assert_eq!(
        message_bodies(back),
        [
            "message 06",
            "message 05",
            "message 04",
            "message 03",
            "message 02"
        ]
    );
    let forward = alice
        .messages_raw(&room, "f", second["end"].as_str(), 5)
        .await
        .ok();
    let forward = forward["chunk"].as_array().expect("chunk").clone();
    assert_eq!(
        message_bodies(&forward),
        [
            "message 02",
            "message 03",
            "message 04",
            "message 05",
            "message 06"
        ]
    );
    let newer = alice.send_text(&room, "newest").await;
    let after = alice.messages_raw(&room, "f", Some(&start), 5).await.ok();
    assert_eq!(
        after["chunk"][0]["event_id"],
        newer.as_str(),
        "forward from the old end: {after}"
    );
}

#[tokio::test]
async fn messages_events_have_required_fields() {
    let server = TestServer::start_default().await;
    let (alice, room) = alice_with_room(&server).await;
    alice.send_text(&room, "fields").await;
    let page = alice.messages_raw(&room, "b", None, 1).await.ok();
    let event = &page["chunk"][0];
    for field in [
        "event_id",
        "sender",
        "origin_server_ts",
        "type",
        "content",
        "room_id",
    ] {
        assert!(!event[field].is_null(), "{field} missing in {event}");
    }
    assert!(
        event["unsigned"]["transaction_id"].is_string(),
        "sender's event lacks transaction_id: {event}"
    );
}

#[tokio::test]
async fn messages_filter_by_type() {
    let server = TestServer::start_default().await;
    let (alice, room) = alice_with_room(&server).await;
    alice.send_text(&room, "text").await;
    alice
        .put_state(&room, "org.example.s", "k", &json!({}))
        .await;
    let filter = complement_tests::encode::query_value(r#"{"types":["m.room.message"]}"#);
    let page = alice
        .get(&room_path(
            &room,
            &format!("messages?dir=b&limit=20&filter={filter}"),
        ))
        .await
        .ok();
    let chunk = page["chunk"].as_array().expect("chunk");
    assert!(
        !chunk.is_empty() && chunk.iter().all(|e| e["type"] == "m.room.message"),
        "{page}"
    );
}

#[tokio::test]
async fn context_around_an_event() {
    let server = TestServer::start_default().await;
    let (alice, room) = alice_with_room(&server).await;
    send_numbered(&alice, &room, 3).await;
    let middle = alice.send_text(&room, "middle").await;
    send_numbered(&alice, &room, 3).await;
    let rest = format!(
        "context/{}?limit=4",
        complement_tests::encode::path_segment(&middle)
    );
    let context = alice.get(&room_path(&room, &rest)).await.ok();
    assert_eq!(context["event"]["event_id"], middle.as_str());
    let before = message_bodies(context["events_before"].as_array().expect("events_before"));
    let after = message_bodies(context["events_after"].as_array().expect("events_after"));
    assert_eq!(
        before.first().map(String::as_str),
        Some("message 02"),
        "{context}"
    );
    assert_eq!(
        after.first().map(String::as_str),
        Some("message 00"),
        "{context}"
    );
    assert!(context["start"].is_string() && context["end"].is_string());
    assert!(context["state"]
        .as_array()
        .is_some_and(|s| s.iter().any(|e| e["type"] == "m.room.create")));
}
