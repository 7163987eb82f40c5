//! Sending events (transaction idempotency), state events, and `/messages`
//! pagination in both directions.

use complement_tests::rooms::{message_bodies, room_path};
use complement_tests::{json, Client, TestServer, Value};

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
async fn redaction_strips_content() {
    let server = TestServer::start_default().await;
    let (alice, room) = alice_with_room(&server).await;
    let event_id = alice.send_text(&room, "regrettable").await;
    let rest = format!(
        "redact/{}/r1",
        complement_tests::encode::path_segment(&event_id)
    );
    let redaction = alice
        .put(&room_path(&room, &rest), &json!({"reason": "oops"}))
        .await
        .ok();
    assert!(redaction["event_id"].is_string());
    let events = alice.all_messages(&room, 10).await;
    let redacted = events
        .iter()
        .find(|e| e["event_id"] == event_id.as_str())
        .expect("event still listed");
    assert_eq!(
        redacted["content"],
        json!({}),
        "content kept after redaction: {redacted}"
    );
    assert!(events.iter().any(|e| e["type"] == "m.room.redaction"));
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

#[tokio::test]
async fn relations_list_reactions() {
    let server = TestServer::start_default().await;
    let (alice, room) = alice_with_room(&server).await;
    let target = alice.send_text(&room, "react to me").await;
    let reaction =
        json!({"m.relates_to": {"rel_type": "m.annotation", "event_id": target, "key": "👍"}});
    let sent = alice
        .send_raw(&room, "m.reaction", "react-1", &reaction)
        .await
        .ok();
    let rest = format!(
        "relations/{}",
        complement_tests::encode::path_segment(&target)
    );
    let path = format!(
        "/_matrix/client/v1/rooms/{}/{rest}",
        complement_tests::encode::path_segment(&room)
    );
    let relations = alice.get(&path).await.ok();
    let chunk = relations["chunk"].as_array().expect("chunk");
    assert_eq!(chunk.len(), 1, "{relations}");
    assert_eq!(chunk[0]["event_id"], sent["event_id"]);
}

#[tokio::test]
async fn redacting_others_needs_power() {
    let server = TestServer::start_default().await;
    let (alice, room) = alice_with_room(&server).await;
    let bob = server.client().register("bob").await;
    alice.invite(&room, &bob.user_id).await;
    bob.join(&room).await;
    let target = alice.send_text(&room, "alice's words").await;
    let rest = format!(
        "redact/{}/r1",
        complement_tests::encode::path_segment(&target)
    );
    bob.put(&room_path(&room, &rest), &json!({}))
        .await
        .assert_error(403, "M_FORBIDDEN");
    let own = bob.send_text(&room, "bob's words").await;
    let rest = format!("redact/{}/r2", complement_tests::encode::path_segment(&own));
    bob.put(&room_path(&room, &rest), &json!({})).await.ok();
}

#[tokio::test]
async fn redacted_member_event_keeps_membership() {
    let server = TestServer::start_default().await;
    let (alice, room) = alice_with_room(&server).await;
    let path = format!(
        "/_matrix/client/v3/profile/{}/displayname",
        complement_tests::encode::path_segment(&alice.user_id)
    );
    alice
        .put(&path, &json!({"displayname": "Shown"}))
        .await
        .ok();
    let member_path = room_path(
        &room,
        &format!(
            "state/m.room.member/{}",
            complement_tests::encode::path_segment(&alice.user_id)
        ),
    );
    let events = alice.all_messages(&room, 10).await;
    let member = events
        .iter()
        .rev()
        .find(|e| e["type"] == "m.room.member" && e["content"]["displayname"] == "Shown")
        .expect("member event with the name");
    let member_id = member["event_id"].as_str().expect("event_id").to_owned();
    let rest = format!(
        "redact/{}/rm1",
        complement_tests::encode::path_segment(&member_id)
    );
    alice.put(&room_path(&room, &rest), &json!({})).await.ok();
    let event_path = room_path(
        &room,
        &format!(
            "event/{}",
            complement_tests::encode::path_segment(&member_id)
        ),
    );
    let redacted = alice.get(&event_path).await.ok();
    assert_eq!(
        redacted["content"],
        json!({"membership": "join"}),
        "redaction algorithm: {redacted}"
    );
    let current = alice.get(&member_path).await.ok();
    assert_eq!(
        current["membership"], "join",
        "redacting the member event changed the membership: {current}"
    );
}
