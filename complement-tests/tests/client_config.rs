//! What a real client (matrix-js-sdk, Element) fetches before its first
//! sync: filters, push rules, devices.

use complement_tests::encode::path_segment;
use complement_tests::rooms::message_bodies;
use complement_tests::{json, Client, TestServer};

#[tokio::test]
async fn filter_upload_get_and_use_in_sync() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let room = alice.create_room(json!({})).await;
    for i in 0..4 {
        alice.send_text(&room, &format!("filtered {i}")).await;
    }
    let filter = json!({"room": {"timeline": {"limit": 2}}});
    let created = alice.post(&alice.user_path("filter"), &filter).await.ok();
    let filter_id = created["filter_id"].as_str().expect("filter_id").to_owned();
    let fetched = alice
        .get(&alice.user_path(&format!("filter/{}", path_segment(&filter_id))))
        .await
        .ok();
    assert_eq!(fetched["room"]["timeline"]["limit"], 2, "{fetched}");
    let body = alice.sync(None, 0, Some(&filter_id)).await;
    let events: Vec<_> = Client::joined_events(&body, &room, "timeline")
        .into_iter()
        .cloned()
        .collect();
    assert_eq!(message_bodies(&events), ["filtered 2", "filtered 3"]);
    assert_eq!(body["rooms"]["join"][&room]["timeline"]["limited"], true);
}

#[tokio::test]
async fn unknown_filter_is_not_found() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    alice
        .get(&alice.user_path("filter/12345"))
        .await
        .assert_error(404, "M_NOT_FOUND");
}

#[tokio::test]
async fn push_rules_have_server_defaults() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let rules = alice.get("/_matrix/client/v3/pushrules/").await.ok();
    let global = &rules["global"];
    let overrides = global["override"]
        .as_array()
        .expect("global.override array");
    assert!(
        overrides.iter().any(|r| r["rule_id"] == ".m.rule.master"),
        "{rules}"
    );
    assert!(
        global["underride"]
            .as_array()
            .is_some_and(|u| !u.is_empty()),
        "{rules}"
    );
}

#[tokio::test]
async fn devices_list_and_rename() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let other = server
        .client()
        .login("alice", complement_tests::PASSWORD)
        .await;
    let devices = alice.get("/_matrix/client/v3/devices").await.ok();
    let ids: Vec<&str> = devices["devices"]
        .as_array()
        .expect("devices")
        .iter()
        .filter_map(|d| d["device_id"].as_str())
        .collect();
    assert!(
        ids.contains(&alice.device_id.as_str()) && ids.contains(&other.device_id.as_str()),
        "{devices}"
    );
    let path = format!(
        "/_matrix/client/v3/devices/{}",
        path_segment(&alice.device_id)
    );
    alice
        .put(&path, &json!({"display_name": "laptop"}))
        .await
        .ok();
    assert_eq!(alice.get(&path).await.ok()["display_name"], "laptop");
}
