//! `/sync`: initial, incremental, long-poll wake-up, `limited` with
//! `prev_batch`, ephemeral typing and receipts.

use std::time::{Duration, Instant};

use complement_tests::encode::path_segment;
use complement_tests::rooms::{message_bodies, room_path};
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

fn timeline(body: &Value, room: &str) -> Vec<Value> {
    Client::joined_events(body, room, "timeline")
        .into_iter()
        .cloned()
        .collect()
}

#[tokio::test]
async fn initial_sync_has_room_state_and_timeline() {
    let server = TestServer::start_default().await;
    let (alice, _bob, room) = pair_in_room(&server).await;
    alice.send_text(&room, "hello").await;
    let body = alice.sync(None, 0, None).await;
    assert!(body["next_batch"].is_string());
    let mut events = timeline(&body, &room);
    events.extend(
        Client::joined_events(&body, &room, "state")
            .into_iter()
            .cloned(),
    );
    let types: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
    assert!(
        types.contains(&"m.room.create"),
        "no m.room.create in {types:?}"
    );
    assert!(message_bodies(&timeline(&body, &room)).contains(&"hello".to_owned()));
}

#[tokio::test]
async fn incremental_sync_has_only_new_events() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = pair_in_room(&server).await;
    alice.send_text(&room, "old").await;
    let since = bob.sync(None, 0, None).await["next_batch"]
        .as_str()
        .expect("next_batch")
        .to_owned();
    alice.send_text(&room, "new").await;
    let (bodies, next) = bob
        .sync_until(Some(&since), WAIT, |body| {
            let bodies = message_bodies(&timeline(body, &room));
            (!bodies.is_empty()).then_some(bodies)
        })
        .await;
    assert_eq!(bodies, vec!["new"]);
    let quiet = bob.sync(Some(&next), 0, None).await;
    assert!(
        timeline(&quiet, &room).is_empty(),
        "nothing new, yet: {quiet}"
    );
}

#[tokio::test]
async fn long_poll_wakes_up_on_new_event() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = pair_in_room(&server).await;
    let since = bob.sync(None, 0, None).await["next_batch"]
        .as_str()
        .expect("next_batch")
        .to_owned();
    let poller = tokio::spawn(async move {
        let body = bob.sync(Some(&since), 10_000, None).await;
        (body, Instant::now())
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sent_at = Instant::now();
    alice.send_text(&room, "wake up").await;
    let (body, returned_at) = tokio::time::timeout(Duration::from_secs(15), poller)
        .await
        .expect("long poll did not return")
        .expect("poller panicked");
    let latency = returned_at.saturating_duration_since(sent_at);
    assert!(
        latency < Duration::from_millis(2500),
        "long poll woke {latency:?} after the send"
    );
    assert_eq!(message_bodies(&timeline(&body, &room)), vec!["wake up"]);
}

#[tokio::test]
async fn long_poll_times_out_empty() {
    let server = TestServer::start_default().await;
    let (_alice, bob, _room) = pair_in_room(&server).await;
    let since = bob.sync(None, 0, None).await["next_batch"]
        .as_str()
        .expect("next_batch")
        .to_owned();
    let started = Instant::now();
    let body = bob.sync(Some(&since), 1500, None).await;
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(1000),
        "returned after {waited:?} with nothing new: {body}"
    );
    assert!(
        waited < Duration::from_secs(8),
        "timeout 1500 ms took {waited:?}"
    );
    assert!(body["next_batch"].is_string());
}

#[tokio::test]
async fn limited_timeline_has_prev_batch() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = pair_in_room(&server).await;
    let since = bob.sync(None, 0, None).await["next_batch"]
        .as_str()
        .expect("next_batch")
        .to_owned();
    for i in 0..12 {
        alice.send_text(&room, &format!("burst {i:02}")).await;
    }
    let filter = Client::timeline_limit_filter(5);
    let body = bob.sync(Some(&since), 0, Some(&filter)).await;
    let joined = &body["rooms"]["join"][&room]["timeline"];
    assert_eq!(joined["limited"], true, "12 new events, limit 5: {joined}");
    let events = joined["events"].as_array().expect("events").clone();
    assert_eq!(
        message_bodies(&events),
        ["burst 07", "burst 08", "burst 09", "burst 10", "burst 11"]
    );
    let prev_batch = joined["prev_batch"]
        .as_str()
        .expect("prev_batch with limited");
    let earlier = bob.messages_raw(&room, "b", Some(prev_batch), 3).await.ok();
    let earlier = earlier["chunk"].as_array().expect("chunk").clone();
    assert_eq!(
        message_bodies(&earlier),
        ["burst 06", "burst 05", "burst 04"]
    );
}

#[tokio::test]
async fn unlimited_incremental_is_not_limited() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = pair_in_room(&server).await;
    let since = bob.sync(None, 0, None).await["next_batch"]
        .as_str()
        .expect("next_batch")
        .to_owned();
    alice.send_text(&room, "one").await;
    alice.send_text(&room, "two").await;
    let filter = Client::timeline_limit_filter(5);
    let body = bob.sync(Some(&since), 0, Some(&filter)).await;
    let joined = &body["rooms"]["join"][&room]["timeline"];
    assert_ne!(joined["limited"], true, "2 events, limit 5: {joined}");
    assert_eq!(
        message_bodies(joined["events"].as_array().expect("events")),
        ["one", "two"]
    );
}

fn ephemeral_of(body: &Value, room: &str, kind: &str) -> Option<Value> {
    let events = Client::joined_events(body, room, "ephemeral");
    events.into_iter().find(|e| e["type"] == kind).cloned()
}

#[tokio::test]
async fn typing_appears_in_ephemeral() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = pair_in_room(&server).await;
    let since = bob.sync(None, 0, None).await["next_batch"]
        .as_str()
        .expect("next_batch")
        .to_owned();
    let path = room_path(&room, &format!("typing/{}", path_segment(&alice.user_id)));
    alice
        .put(&path, &json!({"typing": true, "timeout": 10000}))
        .await
        .ok();
    let (typing, since) = bob
        .sync_until(Some(&since), WAIT, |body| {
            ephemeral_of(body, &room, "m.typing")
        })
        .await;
    assert_eq!(typing["content"]["user_ids"], json!([alice.user_id]));
    alice.put(&path, &json!({"typing": false})).await.ok();
    let (stopped, _) = bob
        .sync_until(Some(&since), WAIT, |body| {
            ephemeral_of(body, &room, "m.typing")
        })
        .await;
    assert_eq!(stopped["content"]["user_ids"], json!([]));
}

#[tokio::test]
async fn read_receipt_appears_in_ephemeral() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = pair_in_room(&server).await;
    let event_id = bob.send_text(&room, "read me").await;
    let since = bob.sync(None, 0, None).await["next_batch"]
        .as_str()
        .expect("next_batch")
        .to_owned();
    let path = room_path(
        &room,
        &format!("receipt/m.read/{}", path_segment(&event_id)),
    );
    alice.post(&path, &json!({})).await.ok();
    let (receipt, _) = bob
        .sync_until(Some(&since), WAIT, |body| {
            ephemeral_of(body, &room, "m.receipt")
        })
        .await;
    let read = &receipt["content"][&event_id]["m.read"][&alice.user_id];
    assert!(
        read["ts"].is_u64(),
        "receipt lacks alice's m.read ts: {receipt}"
    );
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

fn state_event<'a>(body: &'a Value, room: &str, kind: &str) -> Option<&'a Value> {
    let events = Client::joined_events(body, room, "state");
    events.into_iter().find(|e| e["type"] == kind)
}

#[tokio::test]
async fn limited_sync_carries_state_changed_in_the_gap() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = pair_in_room(&server).await;
    let since = bob.sync(None, 0, None).await["next_batch"]
        .as_str()
        .expect("next_batch")
        .to_owned();
    alice
        .put_state(
            &room,
            "org.example.marker",
            "gap",
            &json!({"name": "Renamed"}),
        )
        .await;
    for i in 0..8 {
        alice.send_text(&room, &format!("after rename {i}")).await;
    }
    let filter = Client::timeline_limit_filter(3);
    let body = bob.sync(Some(&since), 0, Some(&filter)).await;
    assert_eq!(body["rooms"]["join"][&room]["timeline"]["limited"], true);
    let name = state_event(&body, &room, "org.example.marker")
        .unwrap_or_else(|| panic!("rename in the gap missing from state: {body}"));
    assert_eq!(name["content"]["name"], "Renamed");
}

#[tokio::test]
async fn limited_initial_sync_has_full_state() {
    let server = TestServer::start_default().await;
    let (alice, _bob, room) = pair_in_room(&server).await;
    for i in 0..6 {
        alice.send_text(&room, &format!("filler {i}")).await;
    }
    let filter = Client::timeline_limit_filter(2);
    let body = alice.sync(None, 0, Some(&filter)).await;
    for kind in [
        "m.room.create",
        "m.room.power_levels",
        "m.room.join_rules",
        "m.room.member",
    ] {
        assert!(
            state_event(&body, &room, kind).is_some(),
            "{kind} missing from state: {body}"
        );
    }
    assert!(body["rooms"]["join"][&room]["timeline"]["prev_batch"].is_string());
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
async fn unread_notification_counts_follow_receipts() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = pair_in_room(&server).await;
    alice.send_text(&room, "one").await;
    let last = alice.send_text(&room, "two").await;
    let key = room.clone();
    let (count, _) = bob
        .sync_until(None, WAIT, |body| {
            let count = body["rooms"]["join"][&key]["unread_notifications"]["notification_count"]
                .as_u64()?;
            (count > 0).then_some(count)
        })
        .await;
    assert_eq!(count, 2, "two messages from alice should notify bob");
    let path = room_path(&room, &format!("receipt/m.read/{}", path_segment(&last)));
    bob.post(&path, &json!({})).await.ok();
    let body = bob.sync(None, 0, None).await;
    let count = &body["rooms"]["join"][&room]["unread_notifications"]["notification_count"];
    assert_eq!(
        count.as_u64().unwrap_or(0),
        0,
        "counts not reset by the read receipt: {count}"
    );
}

#[tokio::test]
async fn read_markers_set_fully_read() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = pair_in_room(&server).await;
    let event_id = alice.send_text(&room, "marker").await;
    let body = json!({"m.fully_read": event_id, "m.read": event_id});
    bob.post(&room_path(&room, "read_markers"), &body)
        .await
        .ok();
    let path = bob.user_path(&format!(
        "rooms/{}/account_data/m.fully_read",
        path_segment(&room)
    ));
    assert_eq!(bob.get(&path).await.ok()["event_id"], event_id.as_str());
}

#[tokio::test]
async fn typing_expires_after_its_timeout() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = pair_in_room(&server).await;
    let since = bob.sync(None, 0, None).await["next_batch"]
        .as_str()
        .expect("next_batch")
        .to_owned();
    let path = room_path(&room, &format!("typing/{}", path_segment(&alice.user_id)));
    alice
        .put(&path, &json!({"typing": true, "timeout": 1000}))
        .await
        .ok();
    let (typing, since) = bob
        .sync_until(Some(&since), WAIT, |body| {
            ephemeral_of(body, &room, "m.typing")
        })
        .await;
    assert_eq!(typing["content"]["user_ids"], json!([alice.user_id]));
    let (expired, _) = bob
        .sync_until(Some(&since), WAIT, |body| {
            ephemeral_of(body, &room, "m.typing")
        })
        .await;
    assert_eq!(
        expired["content"]["user_ids"],
        json!([]),
        "typing never expired"
    );
}

#[tokio::test]
async fn expired_typing_is_absent_from_initial_sync() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = pair_in_room(&server).await;
    let path = room_path(&room, &format!("typing/{}", path_segment(&alice.user_id)));
    alice
        .put(&path, &json!({"typing": true, "timeout": 500}))
        .await
        .ok();
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let body = bob.sync(None, 0, None).await;
    if let Some(typing) = ephemeral_of(&body, &room, "m.typing") {
        assert_eq!(
            typing["content"]["user_ids"],
            json!([]),
            "still typing 1.5 s after a 500 ms timeout"
        );
    }
}

#[tokio::test]
async fn private_read_receipt_stays_private() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = pair_in_room(&server).await;
    let event_id = alice.send_text(&room, "read privately").await;
    let alice_since = alice.sync(None, 0, None).await["next_batch"]
        .as_str()
        .expect("next_batch")
        .to_owned();
    let path = room_path(
        &room,
        &format!("receipt/m.read.private/{}", path_segment(&event_id)),
    );
    bob.post(&path, &json!({})).await.ok();
    let (own, _) = bob
        .sync_until(None, WAIT, |body| ephemeral_of(body, &room, "m.receipt"))
        .await;
    assert!(
        own["content"][&event_id]["m.read.private"][&bob.user_id].is_object(),
        "{own}"
    );
    let seen = alice.sync(Some(&alice_since), 1000, None).await;
    if let Some(receipt) = ephemeral_of(&seen, &room, "m.receipt") {
        let leaked = receipt["content"][&event_id]["m.read.private"]
            .get(&bob.user_id)
            .is_some()
            || receipt["content"][&event_id]["m.read"]
                .get(&bob.user_id)
                .is_some();
        assert!(!leaked, "bob's private receipt reached alice: {receipt}");
    }
}

#[tokio::test]
async fn full_state_incremental_sync_has_all_state() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = pair_in_room(&server).await;
    let since = bob.sync(None, 0, None).await["next_batch"]
        .as_str()
        .expect("next_batch")
        .to_owned();
    alice.send_text(&room, "tick").await;
    let path = format!("/_matrix/client/v3/sync?full_state=true&timeout=0&since={since}");
    let body = bob.get(&path).await.ok();
    for kind in ["m.room.create", "m.room.power_levels", "m.room.join_rules"] {
        assert!(
            state_event(&body, &room, kind).is_some(),
            "{kind} missing with full_state: {body}"
        );
    }
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

#[tokio::test]
async fn prev_batch_continues_without_overlap() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = pair_in_room(&server).await;
    for i in 0..10 {
        alice.send_text(&room, &format!("seq {i:02}")).await;
    }
    let filter = Client::timeline_limit_filter(4);
    let body = bob.sync(None, 0, Some(&filter)).await;
    let timeline = &body["rooms"]["join"][&room]["timeline"];
    let shown = message_bodies(timeline["events"].as_array().expect("events"));
    assert_eq!(shown, ["seq 06", "seq 07", "seq 08", "seq 09"]);
    let prev = timeline["prev_batch"].as_str().expect("prev_batch");
    let page = bob.messages_raw(&room, "b", Some(prev), 3).await.ok();
    let earlier = message_bodies(page["chunk"].as_array().expect("chunk"));
    assert_eq!(
        earlier,
        ["seq 05", "seq 04", "seq 03"],
        "gap or overlap at prev_batch"
    );
}
