//! Key queries and claims across servers with a fake [`Remote`]: servers
//! are asked in parallel, answers merged, slow or failing servers listed in
//! `failures`, local users still answered.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use ruma::ServerName;
use serde_json::{json, Value};

use super::DEFAULT_REMOTE_TIMEOUT;
use crate::tests::user;
use crate::{remote::Remote, tests::fixture, Result, ServiceError};

/// `fast.example` answers; `slow.example` answers after 5 s; `down.example` fails.
#[derive(Default)]
struct FakeRemote {
    asked: Mutex<Vec<(String, Value)>>,
}

#[async_trait::async_trait]
impl Remote for FakeRemote {
    async fn query_keys(&self, server: &ServerName, device_keys: Value) -> Result<Value> {
        self.answer(server, device_keys, "device_keys").await
    }

    async fn claim_keys(&self, server: &ServerName, one_time_keys: Value) -> Result<Value> {
        self.answer(server, one_time_keys, "one_time_keys").await
    }
}

impl FakeRemote {
    async fn answer(&self, server: &ServerName, users: Value, field: &str) -> Result<Value> {
        self.asked
            .lock()
            .unwrap()
            .push((server.to_string(), users.clone()));
        match server.as_str() {
            "slow.example" => tokio::time::sleep(Duration::from_secs(5)).await,
            "down.example" => return Err(ServiceError::Remote("connection refused".into())),
            _ => {}
        }
        let mut answer = json!({ field: {} });
        for user in users.as_object().unwrap().keys() {
            answer[field][user] = json!({"DEV": {"from": server.as_str()}});
        }
        Ok(answer)
    }
}

#[tokio::test]
async fn remote_users_are_asked_of_their_servers_and_failures_listed() {
    let f = fixture().await;
    let s = &f.services;
    let alice = user(s, "alice").await;
    let remote: Arc<dyn Remote> = Arc::new(FakeRemote::default());
    s.install_remote(Arc::downgrade(&remote));
    let request = json!({
        alice.as_str(): [],
        "@a:fast.example": [],
        "@b:fast.example": ["X"],
        "@c:slow.example": [],
        "@d:down.example": [],
    });
    let started = Instant::now();
    let answer = s
        .query_keys_federated(&alice, &request, Duration::from_millis(300))
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the slow server was awaited"
    );
    assert_eq!(
        answer["device_keys"]["@a:fast.example"]["DEV"]["from"],
        "fast.example"
    );
    assert!(answer["device_keys"]["@b:fast.example"].is_object());
    assert!(answer["device_keys"][alice.as_str()].is_object());
    let failures = answer["failures"].as_object().unwrap();
    let mut failed: Vec<&String> = failures.keys().collect();
    failed.sort();
    assert_eq!(failed, ["down.example", "slow.example"]);
    assert!(answer["device_keys"].get("@c:slow.example").is_none());
}

#[tokio::test]
async fn claims_go_to_each_server_once_with_its_users_only() {
    let f = fixture().await;
    let s = &f.services;
    let fake = Arc::new(FakeRemote::default());
    let remote: Arc<dyn Remote> = fake.clone();
    s.install_remote(Arc::downgrade(&remote));
    let request = json!({
        "@a:fast.example": {"DEV": "signed_curve25519"},
        "@b:fast.example": {"DEV": "signed_curve25519"},
        "@nobody:localhost": {"DEV": "signed_curve25519"},
    });
    let answer = s
        .claim_keys_federated(&request, DEFAULT_REMOTE_TIMEOUT)
        .await
        .unwrap();
    assert_eq!(
        answer["one_time_keys"]["@a:fast.example"]["DEV"]["from"],
        "fast.example"
    );
    assert_eq!(answer["failures"], json!({}));
    let asked = fake.asked.lock().unwrap();
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].0, "fast.example");
    assert_eq!(asked[0].1.as_object().unwrap().len(), 2);
}

#[tokio::test]
async fn without_federation_every_remote_server_is_a_failure() {
    let f = fixture().await;
    let s = &f.services;
    let alice = user(s, "alice").await;
    let request = json!({ "@a:fast.example": [], alice.as_str(): [] });
    let answer = s
        .query_keys_federated(&alice, &request, DEFAULT_REMOTE_TIMEOUT)
        .await
        .unwrap();
    assert!(answer["failures"]["fast.example"].is_object());
    assert!(answer["device_keys"][alice.as_str()].is_object());
}
