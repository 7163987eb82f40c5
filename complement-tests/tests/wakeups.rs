//! A pending long-poll `/sync` must return promptly for every kind of
//! update, not only timeline events: invites, typing, receipts, to-device
//! messages, account data; and all pollers must wake, not just one.

use std::future::Future;
use std::time::{Duration, Instant};

use complement_tests::encode::path_segment;
use complement_tests::rooms::room_path;
use complement_tests::{json, Client, TestServer, Value};

/// How late after the trigger a woken long-poll may return.
const MAX_LATENCY: Duration = Duration::from_millis(2500);

async fn since(client: &Client) -> String {
    client.sync(None, 0, None).await["next_batch"]
        .as_str()
        .expect("next_batch")
        .to_owned()
}

/// Starts a 10 s long-poll for `poller`, runs `trigger` after 500 ms, and
/// returns the poll's response; fails if it came later than [`MAX_LATENCY`].
async fn poll_across<F: Future<Output = ()>>(poller: &Client, trigger: F) -> Value {
    let since = since(poller).await;
    let client = poller.clone();
    let poll = tokio::spawn(async move {
        let body = client.sync(Some(&since), 10_000, None).await;
        (body, Instant::now())
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let triggered = Instant::now();
    trigger.await;
    let (body, returned) = tokio::time::timeout(Duration::from_secs(15), poll)
        .await
        .expect("poll hangs")
        .expect("poll");
    let latency = returned.saturating_duration_since(triggered);
    assert!(
        latency < MAX_LATENCY,
        "long-poll returned {latency:?} after the trigger: {body}"
    );
    body
}

async fn pair(server: &TestServer) -> (Client, Client, String) {
    let anon = server.client();
    let alice = anon.register("alice").await;
    let bob = anon.register("bob").await;
    let room = alice.create_room(json!({"preset": "public_chat"})).await;
    bob.join(&room).await;
    (alice, bob, room)
}

#[tokio::test]
async fn wakes_on_invite() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let alice = anon.register("alice").await;
    let bob = anon.register("bob").await;
    let room = alice.create_room(json!({"preset": "private_chat"})).await;
    let body = poll_across(&bob, alice.invite(&room, &bob.user_id)).await;
    assert!(body["rooms"]["invite"].get(&room).is_some(), "{body}");
}

#[tokio::test]
async fn wakes_on_typing() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = pair(&server).await;
    let path = room_path(&room, &format!("typing/{}", path_segment(&alice.user_id)));
    let typing = json!({"typing": true, "timeout": 10000});
    let body = poll_across(&bob, async {
        alice.put(&path, &typing).await.ok();
    })
    .await;
    assert!(
        body["rooms"]["join"][&room]["ephemeral"]["events"]
            .to_string()
            .contains("m.typing"),
        "{body}"
    );
}

#[tokio::test]
async fn wakes_on_receipt() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = pair(&server).await;
    let event_id = bob.send_text(&room, "read me").await;
    let path = room_path(
        &room,
        &format!("receipt/m.read/{}", path_segment(&event_id)),
    );
    let body = poll_across(&bob, async {
        alice.post(&path, &json!({})).await.ok();
    })
    .await;
    assert!(
        body["rooms"]["join"][&room]["ephemeral"]["events"]
            .to_string()
            .contains("m.receipt"),
        "{body}"
    );
}

#[tokio::test]
async fn wakes_on_to_device() {
    let server = TestServer::start_default().await;
    let (alice, bob, _room) = pair(&server).await;
    let messages = json!({"messages": {&bob.user_id: {&bob.device_id: {"ping": 1}}}});
    let send = async {
        alice
            .put(
                "/_matrix/client/v3/sendToDevice/org.example.ping/w1",
                &messages,
            )
            .await
            .ok();
    };
    let body = poll_across(&bob, send).await;
    assert_eq!(
        body["to_device"]["events"][0]["type"], "org.example.ping",
        "{body}"
    );
}

#[tokio::test]
async fn wakes_on_account_data_from_another_device() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let other = server
        .client()
        .login("alice", complement_tests::PASSWORD)
        .await;
    let path = other.user_path("account_data/org.example.w");
    let body = poll_across(&alice, async {
        other.put(&path, &json!({"n": 1})).await.ok();
    })
    .await;
    assert!(
        body["account_data"]["events"]
            .to_string()
            .contains("org.example.w"),
        "{body}"
    );
}

#[tokio::test]
async fn all_pollers_wake() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = pair(&server).await;
    let mut polls = Vec::new();
    for _ in 0..10 {
        let client = bob.clone();
        let since = since(&bob).await;
        polls.push(tokio::spawn(async move {
            client.sync(Some(&since), 10_000, None).await
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    alice.send_text(&room, "everyone").await;
    for poll in polls {
        let body = tokio::time::timeout(Duration::from_secs(15), poll)
            .await
            .expect("poll hangs")
            .expect("poll");
        assert!(
            body.to_string().contains("everyone"),
            "a poller returned without the message: {body}"
        );
    }
    assert!(
        started.elapsed() < MAX_LATENCY * 2,
        "pollers woke after {:?}",
        started.elapsed()
    );
}
