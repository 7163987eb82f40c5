//! Push configuration clients change: push rules (add, toggle, delete, and a
//! muted room not counting notifications), pushers, `/notifications`.

use std::time::Duration;

use complement_tests::encode::path_segment;
use complement_tests::{json, Client, TestServer};

const RULES: &str = "/_matrix/client/v3/pushrules/global";

#[tokio::test]
async fn room_rule_add_toggle_delete() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let room = alice.create_room(json!({})).await;
    let path = format!("{RULES}/room/{}", path_segment(&room));
    alice.put(&path, &json!({"actions": []})).await.ok();
    let rule = alice.get(&path).await.ok();
    assert_eq!(rule["rule_id"], room.as_str());
    assert_eq!(rule["enabled"], true);
    alice
        .put(&format!("{path}/enabled"), &json!({"enabled": false}))
        .await
        .ok();
    assert_eq!(
        alice.get(&format!("{path}/enabled")).await.ok()["enabled"],
        false
    );
    alice.delete(&path).await.ok();
    alice.get(&path).await.assert_error(404, "M_NOT_FOUND");
}

#[tokio::test]
async fn default_rule_can_be_disabled() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let path = format!("{RULES}/override/.m.rule.suppress_notices");
    alice
        .put(&format!("{path}/enabled"), &json!({"enabled": false}))
        .await
        .ok();
    assert_eq!(alice.get(&path).await.ok()["enabled"], false);
}

#[tokio::test]
async fn muted_room_does_not_count_notifications() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let alice = anon.register("alice").await;
    let bob = anon.register("bob").await;
    let room = alice.create_room(json!({"preset": "public_chat"})).await;
    bob.join(&room).await;
    let mute = format!("{RULES}/room/{}", path_segment(&room));
    bob.put(&mute, &json!({"actions": []})).await.ok();
    alice.send_text(&room, "you will not hear this").await;
    let marker = alice.send_text(&room, "nor this").await;
    let key = room.clone();
    let (counts, _) = bob
        .sync_until(None, Duration::from_secs(10), |body| {
            let timeline = Client::joined_events(body, &key, "timeline");
            timeline
                .iter()
                .any(|e| e["event_id"] == marker.as_str())
                .then(|| body["rooms"]["join"][&key]["unread_notifications"].clone())
        })
        .await;
    assert_eq!(
        counts["notification_count"].as_u64().unwrap_or(0),
        0,
        "muted room notified: {counts}"
    );
}

#[tokio::test]
async fn pushers_set_and_list() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let pusher = json!({
        "pushkey": "device-push-key",
        "kind": "http",
        "app_id": "org.example.app",
        "app_display_name": "Example",
        "device_display_name": "Phone",
        "lang": "en",
        "data": {"url": "https://push.example/_matrix/push/v1/notify"},
    });
    alice
        .post("/_matrix/client/v3/pushers/set", &pusher)
        .await
        .ok();
    let listed = alice.get("/_matrix/client/v3/pushers").await.ok();
    let pushers = listed["pushers"].as_array().expect("pushers");
    assert_eq!(pushers.len(), 1, "{listed}");
    assert_eq!(pushers[0]["pushkey"], "device-push-key");
    let mut removal = pusher.clone();
    removal["kind"] = serde_json::Value::Null;
    alice
        .post("/_matrix/client/v3/pushers/set", &removal)
        .await
        .ok();
    let listed = alice.get("/_matrix/client/v3/pushers").await.ok();
    assert_eq!(listed["pushers"], json!([]));
}

#[tokio::test]
async fn notifications_lists_notified_messages() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let alice = anon.register("alice").await;
    let bob = anon.register("bob").await;
    let room = alice.create_room(json!({"preset": "public_chat"})).await;
    bob.join(&room).await;
    alice.send_text(&room, "hey bob, are you there?").await;
    let list = bob.get("/_matrix/client/v3/notifications").await.ok();
    let bodies: Vec<&str> = list["notifications"]
        .as_array()
        .expect("notifications")
        .iter()
        .filter_map(|n| n["event"]["content"]["body"].as_str())
        .collect();
    assert!(bodies.contains(&"hey bob, are you there?"), "{list}");
}
