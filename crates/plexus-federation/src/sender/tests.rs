//! The sender against TLS peers on 127.0.0.1: retries with backoff until a
//! 200 and only then acknowledges, keeps the transaction ID across retries,
//! ends a backoff when the peer is seen, and lets a dead peer delay no other.

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use axum::{extract::Path, http::StatusCode, routing::put, Json};
use plexus_core::Config;
use plexus_service::{outbox::OutboxItem, tables::Events, Services};
use ruma::ServerName;
use serde_json::{json, Value};
use tokio::sync::watch;

use super::Sender;
use crate::{testing::TlsPeer, FederationClient};

/// What a peer saw: (txn ID, body) of each request.
type Seen = Arc<Mutex<Vec<(String, Value)>>>;

/// A peer whose `/send` fails `failures` times with a 500, then answers 200.
async fn flaky_peer(failures: usize) -> (TlsPeer, Seen) {
    peer_failing_with(failures, StatusCode::INTERNAL_SERVER_ERROR).await
}

/// A peer whose `/send` answers `status` `failures` times, then 200.
async fn peer_failing_with(failures: usize, status: StatusCode) -> (TlsPeer, Seen) {
    let seen: Seen = Arc::default();
    let calls = Arc::new(AtomicUsize::new(0));
    let record = seen.clone();
    let app = axum::Router::new().route(
        "/_matrix/federation/v1/send/{txn}",
        put(move |Path(txn): Path<String>, Json(body): Json<Value>| {
            let (record, calls) = (record.clone(), calls.clone());
            async move {
                record.lock().unwrap().push((txn, body));
                if calls.fetch_add(1, Ordering::SeqCst) < failures {
                    (status, Json(json!({ "errcode": "M_UNKNOWN" })))
                } else {
                    (StatusCode::OK, Json(json!({ "pdus": {} })))
                }
            }
        }),
    );
    (TlsPeer::start(app).await, seen)
}

struct Setup {
    _dir: tempfile::TempDir,
    services: Arc<Services>,
    sender: Arc<Sender>,
    stop: watch::Sender<bool>,
}

fn setup(ca: std::path::PathBuf, retry_base_ms: u64) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config {
        data_dir: dir.path().to_owned(),
        ..Config::default()
    };
    config.federation.enabled = true;
    config.federation.ip_range_denylist.clear();
    config.federation.ca_file = Some(ca);
    config.federation.request_timeout_secs = 5;
    config.federation.retry_base_ms = retry_base_ms;
    config.federation.retry_max_secs = 60;
    let services = Services::open(config).unwrap();
    let client = Arc::new(FederationClient::new(services.clone()).unwrap());
    let sender = Arc::new(Sender::new(services.clone(), client));
    let (stop, _) = watch::channel(false);
    Setup {
        _dir: dir,
        services,
        sender,
        stop,
    }
}

fn enqueue(services: &Services, destination: &str, n: usize) {
    let event_id = format!("$event{n}");
    let pdu = json!({ "type": "m.room.message", "content": { "n": n } });
    let mut batch = services.db.batch();
    batch
        .put::<Events>(&event_id, &serde_json::to_vec(&pdu).unwrap())
        .unwrap();
    let edu = json!({ "edu_type": "m.typing", "content": { "n": n } });
    for item in [OutboxItem::Pdu { event_id }, OutboxItem::Edu { edu }] {
        services
            .outbox_enqueue(&mut batch, [destination], &item)
            .unwrap();
    }
    services.db.write(batch).unwrap();
    services.outbox.wake();
}

/// Waits (at most 10 s) until `done` holds.
async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..1000 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

fn queue_empty(services: &Services, destination: &str) -> bool {
    services.outbox_peek(destination).unwrap().is_empty()
}

#[tokio::test]
async fn pending_items_are_retried_with_backoff_until_a_200_then_acknowledged() {
    let (peer, seen) = flaky_peer(2).await;
    let s = setup(peer.ca(), 20);
    enqueue(&s.services, &peer.name, 1); // pending before start, like after a restart
    let started = std::time::Instant::now();
    s.sender.start(s.stop.subscribe());
    eventually("delivery", || queue_empty(&s.services, &peer.name)).await;
    // Two failures: waits of 20 ms then 40 ms before the third attempt.
    assert!(started.elapsed() >= Duration::from_millis(60));
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3, "two failures and one success");
    assert!(
        seen.iter().all(|(txn, _)| *txn == seen[0].0),
        "a retry keeps its txn ID"
    );
    let body = &seen[2].1;
    assert_eq!(body["origin"], "localhost");
    assert!(body["origin_server_ts"].as_u64().is_some());
    assert_eq!(
        body["pdus"],
        json!([{ "type": "m.room.message", "content": { "n": 1 } }])
    );
    assert_eq!(body["edus"][0]["content"]["n"], 1);
    let _ = s.stop.send(true);
}

#[tokio::test]
async fn new_items_get_a_new_transaction_id() {
    let (peer, seen) = flaky_peer(0).await;
    let s = setup(peer.ca(), 20);
    s.sender.start(s.stop.subscribe());
    enqueue(&s.services, &peer.name, 1);
    eventually("first", || queue_empty(&s.services, &peer.name)).await;
    enqueue(&s.services, &peer.name, 2);
    eventually("second", || seen.lock().unwrap().len() == 2).await;
    eventually("ack", || queue_empty(&s.services, &peer.name)).await;
    let seen = seen.lock().unwrap().clone();
    assert_ne!(seen[0].0, seen[1].0);
    assert_eq!(seen[1].1["pdus"][0]["content"]["n"], 2);
    let _ = s.stop.send(true);
}

#[tokio::test]
async fn a_request_from_the_peer_ends_its_backoff() {
    let (peer, seen) = flaky_peer(1).await;
    let s = setup(peer.ca(), 60_000); // the retry alone would come in a minute
    s.sender.start(s.stop.subscribe());
    enqueue(&s.services, &peer.name, 1);
    eventually("first attempt", || seen.lock().unwrap().len() == 1).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    enqueue(&s.services, &peer.name, 2); // new items do not end the backoff
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(seen.lock().unwrap().len(), 1);
    s.sender
        .peer_seen(<&ServerName>::try_from(peer.name.as_str()).unwrap());
    eventually("delivery", || queue_empty(&s.services, &peer.name)).await;
    let _ = s.stop.send(true);
}

#[tokio::test]
async fn a_dead_peer_does_not_delay_the_others() {
    let (peer, seen) = flaky_peer(0).await;
    let s = setup(peer.ca(), 20);
    // Nothing listens on this port: every attempt fails at once.
    let dead = {
        let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("127.0.0.1:{}", tcp.local_addr().unwrap().port())
    };
    enqueue(&s.services, &dead, 1);
    s.sender.start(s.stop.subscribe());
    for n in 0..3 {
        enqueue(&s.services, &peer.name, n);
        eventually("live peer", || queue_empty(&s.services, &peer.name)).await;
    }
    assert_eq!(seen.lock().unwrap().len(), 3);
    assert!(!queue_empty(&s.services, &dead), "kept for later");
    let _ = s.stop.send(true);
}

#[tokio::test]
async fn a_definitive_refusal_drops_the_transaction_instead_of_blocking_the_queue() {
    let (peer, seen) = peer_failing_with(1, StatusCode::BAD_REQUEST).await;
    let s = setup(peer.ca(), 60_000); // a retry would not come within the test
    s.sender.start(s.stop.subscribe());
    enqueue(&s.services, &peer.name, 1);
    eventually("dropped", || queue_empty(&s.services, &peer.name)).await;
    enqueue(&s.services, &peer.name, 2);
    eventually("next delivered", || seen.lock().unwrap().len() == 2).await;
    eventually("acknowledged", || queue_empty(&s.services, &peer.name)).await;
    assert_eq!(seen.lock().unwrap()[1].1["pdus"][0]["content"]["n"], 2);
    let _ = s.stop.send(true);
}
