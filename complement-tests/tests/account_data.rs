//! Global and per-room account data: PUT, GET, and delivery through `/sync`.

use std::time::Duration;

use complement_tests::encode::path_segment;
use complement_tests::{json, Client, TestServer};

#[tokio::test]
async fn global_account_data_round_trip_and_sync() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let path = alice.user_path("account_data/org.example.settings");
    alice.get(&path).await.assert_error(404, "M_NOT_FOUND");
    alice.put(&path, &json!({"theme": "dark"})).await.ok();
    assert_eq!(alice.get(&path).await.ok(), json!({"theme": "dark"}));
    let (content, _) = alice
        .sync_until(None, Duration::from_secs(10), |body| {
            let events = body["account_data"]["events"].as_array()?;
            events
                .iter()
                .find(|e| e["type"] == "org.example.settings")
                .map(|e| e["content"].clone())
        })
        .await;
    assert_eq!(content, json!({"theme": "dark"}));
}

#[tokio::test]
async fn account_data_change_reaches_incremental_sync() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let since = alice.sync(None, 0, None).await["next_batch"]
        .as_str()
        .expect("next_batch")
        .to_owned();
    let path = alice.user_path("account_data/org.example.counter");
    alice.put(&path, &json!({"n": 2})).await.ok();
    let (content, _) = alice
        .sync_until(Some(&since), Duration::from_secs(10), |body| {
            let events = body["account_data"]["events"].as_array()?;
            events
                .iter()
                .find(|e| e["type"] == "org.example.counter")
                .map(|e| e["content"].clone())
        })
        .await;
    assert_eq!(content["n"], 2);
}

#[tokio::test]
async fn room_account_data_round_trip_and_sync() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let room = alice.create_room(json!({})).await;
    let path = alice.user_path(&format!(
        "rooms/{}/account_data/m.tag.example",
        path_segment(&room)
    ));
    alice.put(&path, &json!({"pinned": true})).await.ok();
    assert_eq!(alice.get(&path).await.ok(), json!({"pinned": true}));
    let (content, _) = alice
        .sync_until(None, Duration::from_secs(10), |body| {
            let events = Client::joined_events(body, &room, "account_data");
            events
                .into_iter()
                .find(|e| e["type"] == "m.tag.example")
                .map(|e| e["content"].clone())
        })
        .await;
    assert_eq!(content["pinned"], true);
}

#[tokio::test]
async fn other_users_account_data_is_forbidden() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let alice = anon.register("alice").await;
    let bob = anon.register("bob").await;
    let path = alice.user_path("account_data/org.example.x");
    bob.put(&path, &json!({"a": 1}))
        .await
        .assert_error(403, "M_FORBIDDEN");
}
