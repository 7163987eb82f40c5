//! `/sync` timelines: initial, incremental, long-poll wake-up and timeout,
//! `limited` with `prev_batch`, state in gaps and limited syncs, `full_state`.

use std::time::{Duration, Instant};

use complement_tests::rooms::message_bodies;
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

fn state_event<'a>(body: &'a Value, room: &str, kind: &str) -> Option<&'a Value> {
    let events = Client::joined_events(body, room, "state");
    events.into_iter().find(|e| e["type"] == kind)
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
