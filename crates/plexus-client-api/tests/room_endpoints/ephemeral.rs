//! Typing, receipts and read markers, observed through `/sync`.

use serde_json::{json, Value};

use crate::{
    common::{seg, TestServer},
    helpers::{create_room, joined_section, room_path, send_text, shared_public_room, sync},
};

fn find<'a>(events: &'a [Value], kind: &str) -> Option<&'a Value> {
    events.iter().find(|e| e["type"] == kind)
}

#[tokio::test]
async fn typing_is_set_for_yourself_only() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    let carol = server.register("carol").await;
    let room = shared_public_room(&server, &alice, &bob).await;
    let typing_path = |user_id: &str| room_path(&room, &format!("typing/{}", seg(user_id)));
    let typing = json!({ "typing": true, "timeout": 30000 });
    server
        .put(&alice, &typing_path(&alice.user_id), &typing)
        .await
        .ok();
    let synced = sync(&server, &bob, None).await;
    let event =
        find(joined_section(&synced, &room, "ephemeral"), "m.typing").expect("m.typing in sync");
    assert_eq!(
        event["content"]["user_ids"],
        json!([alice.user_id]),
        "{synced}"
    );
    server
        .put(
            &alice,
            &typing_path(&alice.user_id),
            &json!({ "typing": false }),
        )
        .await
        .ok();
    let stopped = sync(&server, &bob, synced["next_batch"].as_str()).await;
    let event = find(joined_section(&stopped, &room, "ephemeral"), "m.typing")
        .expect("typing stop in sync");
    assert_eq!(event["content"]["user_ids"], json!([]), "{stopped}");
    server
        .put(&bob, &typing_path(&alice.user_id), &typing)
        .await
        .error(403, "M_FORBIDDEN");
    server
        .put(&carol, &typing_path(&carol.user_id), &typing)
        .await
        .error(403, "M_FORBIDDEN");
}

#[tokio::test]
async fn read_receipt_reaches_other_members() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    let room = shared_public_room(&server, &alice, &bob).await;
    let event_id = send_text(&server, &bob, &room, "read me").await;
    let path = room_path(&room, &format!("receipt/m.read/{}", seg(&event_id)));
    server
        .post(&alice, &path, &json!({ "thread_id": "main" }))
        .await
        .ok();
    let synced = sync(&server, &bob, None).await;
    let receipts =
        find(joined_section(&synced, &room, "ephemeral"), "m.receipt").expect("m.receipt in sync");
    let receipt = &receipts["content"][&event_id]["m.read"][&alice.user_id];
    assert!(receipt["ts"].is_u64(), "{receipts}");
    assert_eq!(receipt["thread_id"], "main");
}

#[tokio::test]
async fn private_receipts_and_fully_read_stay_with_their_owner() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    let room = shared_public_room(&server, &alice, &bob).await;
    let event_id = send_text(&server, &bob, &room, "read me").await;
    let receipt = |kind: &str| room_path(&room, &format!("receipt/{kind}/{}", seg(&event_id)));
    server
        .post(&alice, &receipt("m.read.private"), &json!({}))
        .await
        .ok();
    server
        .post(&alice, &receipt("m.fully_read"), &json!({}))
        .await
        .ok();
    let bobs = sync(&server, &bob, None).await;
    assert!(
        find(joined_section(&bobs, &room, "ephemeral"), "m.receipt").is_none(),
        "{bobs}"
    );
    let alices = sync(&server, &alice, None).await;
    let own = find(joined_section(&alices, &room, "ephemeral"), "m.receipt")
        .expect("own private receipt");
    assert!(
        own["content"][&event_id]["m.read.private"][&alice.user_id]["ts"].is_u64(),
        "{own}"
    );
    let marker = find(
        joined_section(&alices, &room, "account_data"),
        "m.fully_read",
    )
    .expect("m.fully_read");
    assert_eq!(marker["content"]["event_id"], event_id.as_str());
}

#[tokio::test]
async fn bad_receipts_are_refused() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let carol = server.register("carol").await;
    let room = create_room(&server, &alice, json!({ "preset": "public_chat" })).await;
    let event_id = send_text(&server, &alice, &room, "hello").await;
    let receipt =
        |kind: &str, event: &str| room_path(&room, &format!("receipt/{kind}/{}", seg(event)));
    let body = json!({});
    server
        .post(&alice, &receipt("m.bogus", &event_id), &body)
        .await
        .error(400, "M_INVALID_PARAM");
    let threaded = json!({ "thread_id": "main" });
    server
        .post(&alice, &receipt("m.fully_read", &event_id), &threaded)
        .await
        .error(400, "M_INVALID_PARAM");
    server
        .post(&alice, &receipt("m.read", "$nope:localhost"), &body)
        .await
        .error(404, "M_NOT_FOUND");
    server
        .post(&carol, &receipt("m.read", &event_id), &body)
        .await
        .error(403, "M_FORBIDDEN");
}

#[tokio::test]
async fn read_markers_set_marker_and_receipts() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    let room = shared_public_room(&server, &alice, &bob).await;
    let event_id = send_text(&server, &bob, &room, "read me").await;
    let body = json!({ "m.fully_read": event_id, "m.read": event_id });
    server
        .post(&alice, &room_path(&room, "read_markers"), &body)
        .await
        .ok();
    let alices = sync(&server, &alice, None).await;
    let marker = find(
        joined_section(&alices, &room, "account_data"),
        "m.fully_read",
    )
    .expect("m.fully_read");
    assert_eq!(marker["content"]["event_id"], event_id.as_str());
    let bobs = sync(&server, &bob, None).await;
    let receipts = find(joined_section(&bobs, &room, "ephemeral"), "m.receipt").expect("m.receipt");
    assert!(
        receipts["content"][&event_id]["m.read"][&alice.user_id]["ts"].is_u64(),
        "{receipts}"
    );
    let carol = server.register("carol").await;
    server
        .post(&carol, &room_path(&room, "read_markers"), &body)
        .await
        .error(403, "M_FORBIDDEN");
}

#[tokio::test]
async fn typing_expiry_reaches_a_caught_up_sync() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    let room = shared_public_room(&server, &alice, &bob).await;
    let path = room_path(&room, &format!("typing/{}", seg(&alice.user_id)));
    server
        .put(&alice, &path, &json!({ "typing": true, "timeout": 50 }))
        .await
        .ok();
    let typing = sync(&server, &bob, None).await;
    let since = typing["next_batch"].as_str().expect("next_batch");
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let expired = sync(&server, &bob, Some(since)).await;
    let event =
        find(joined_section(&expired, &room, "ephemeral"), "m.typing").expect("expiry in sync");
    assert_eq!(event["content"]["user_ids"], json!([]), "{expired}");
}
