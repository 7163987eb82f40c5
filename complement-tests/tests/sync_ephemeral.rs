//! `/sync` ephemeral data and counts: typing (and expiry), public and
//! private read receipts, read markers, unread notification counts.

use std::time::Duration;

use complement_tests::encode::path_segment;
use complement_tests::rooms::room_path;
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
