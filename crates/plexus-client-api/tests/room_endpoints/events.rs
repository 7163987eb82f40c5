//! `/event`, `/context`, `/redact` and `/timestamp_to_event`.

use serde_json::json;

use crate::{
    common::{seg, TestServer},
    helpers::{create_room, room_path, send_text, shared_public_room},
};

#[tokio::test]
async fn event_is_returned_to_members_only() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    let room = create_room(&server, &alice, json!({ "preset": "private_chat" })).await;
    let event_id = send_text(&server, &alice, &room, "hello").await;
    let path = room_path(&room, &format!("event/{}", seg(&event_id)));
    let event = server.get(&alice, &path).await.ok();
    assert_eq!(event["event_id"], event_id.as_str());
    assert_eq!(event["content"]["body"], "hello");
    assert_eq!(event["room_id"], room.as_str());
    server.get(&bob, &path).await.error(404, "M_NOT_FOUND");
    let unknown = room_path(&room, &format!("event/{}", seg("$nope:localhost")));
    server.get(&alice, &unknown).await.error(404, "M_NOT_FOUND");
}

#[tokio::test]
async fn context_surrounds_the_event_with_state() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    let room = create_room(&server, &alice, json!({ "preset": "private_chat" })).await;
    let mut ids = Vec::new();
    for n in 1..=5 {
        ids.push(send_text(&server, &alice, &room, &format!("message {n}")).await);
    }
    let path = room_path(&room, &format!("context/{}?limit=2", seg(&ids[2])));
    let context = server.get(&alice, &path).await.ok();
    assert_eq!(context["event"]["event_id"], ids[2].as_str());
    assert_eq!(
        context["events_before"][0]["event_id"],
        ids[1].as_str(),
        "{context}"
    );
    assert_eq!(
        context["events_after"][0]["event_id"],
        ids[3].as_str(),
        "{context}"
    );
    assert_eq!(context["events_before"].as_array().map(Vec::len), Some(1));
    assert_eq!(context["events_after"].as_array().map(Vec::len), Some(1));
    assert!(
        context["start"].is_string() && context["end"].is_string(),
        "{context}"
    );
    let state = context["state"].as_array().expect("state");
    assert!(
        state.iter().any(|e| e["type"] == "m.room.create"),
        "{context}"
    );
    server.get(&bob, &path).await.error(404, "M_NOT_FOUND");
}

#[tokio::test]
async fn redaction_strips_content_and_is_idempotent() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let room = create_room(&server, &alice, json!({ "room_version": "11" })).await;
    let target = send_text(&server, &alice, &room, "oops").await;
    let path = room_path(&room, &format!("redact/{}/r1", seg(&target)));
    let first = server
        .put(&alice, &path, &json!({ "reason": "typo" }))
        .await
        .ok();
    let again = server
        .put(&alice, &path, &json!({ "reason": "typo" }))
        .await
        .ok();
    assert_eq!(
        first["event_id"], again["event_id"],
        "same txnId must give the same redaction"
    );
    let redaction_id = first["event_id"].as_str().expect("event_id");
    let redacted = server
        .get(
            &alice,
            &room_path(&room, &format!("event/{}", seg(&target))),
        )
        .await
        .ok();
    assert_eq!(redacted["content"], json!({}), "{redacted}");
    assert_eq!(
        redacted["unsigned"]["redacted_because"]["event_id"],
        redaction_id
    );
    let redaction = server
        .get(
            &alice,
            &room_path(&room, &format!("event/{}", seg(redaction_id))),
        )
        .await
        .ok();
    assert_eq!(
        redaction["content"]["redacts"],
        target.as_str(),
        "v11 reads redacts from content"
    );
    assert_eq!(redaction["content"]["reason"], "typo");
}

#[tokio::test]
async fn old_room_versions_get_top_level_redacts() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let room = create_room(&server, &alice, json!({ "room_version": "10" })).await;
    let target = send_text(&server, &alice, &room, "oops").await;
    let path = room_path(&room, &format!("redact/{}/r1", seg(&target)));
    let redaction_id = server.put(&alice, &path, &json!({})).await.ok()["event_id"].clone();
    let redaction_path = room_path(
        &room,
        &format!("event/{}", seg(redaction_id.as_str().expect("id"))),
    );
    let redaction = server.get(&alice, &redaction_path).await.ok();
    assert_eq!(redaction["redacts"], target.as_str(), "{redaction}");
    let redacted = server
        .get(
            &alice,
            &room_path(&room, &format!("event/{}", seg(&target))),
        )
        .await
        .ok();
    assert_eq!(redacted["content"], json!({}), "{redacted}");
}

#[tokio::test]
async fn only_senders_and_moderators_redact() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    let carol = server.register("carol").await;
    let room = shared_public_room(&server, &alice, &bob).await;
    let alices = send_text(&server, &alice, &room, "from alice").await;
    let bobs = send_text(&server, &bob, &room, "from bob").await;
    let redact = |event: &str, txn: &str| room_path(&room, &format!("redact/{}/{txn}", seg(event)));
    server
        .put(&bob, &redact(&alices, "b1"), &json!({}))
        .await
        .error(403, "M_FORBIDDEN");
    server
        .put(&bob, &redact(&bobs, "b2"), &json!({}))
        .await
        .ok();
    let another = send_text(&server, &bob, &room, "again bob").await;
    server
        .put(&alice, &redact(&another, "a1"), &json!({}))
        .await
        .ok();
    server
        .put(&carol, &redact(&alices, "c1"), &json!({}))
        .await
        .error(403, "M_FORBIDDEN");
    server
        .put(&alice, &redact("$unknown:localhost", "a2"), &json!({}))
        .await
        .error(404, "M_NOT_FOUND");
}

/// The largest timestamp JSON integers carry (2^53 - 1).
const FAR_FUTURE: u64 = 9_007_199_254_740_991;

#[tokio::test]
async fn timestamp_to_event_finds_the_nearest_event() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    let room = create_room(&server, &alice, json!({ "preset": "private_chat" })).await;
    let last = send_text(&server, &alice, &room, "latest").await;
    let path = |ts: u64, dir: &str| {
        format!(
            "/_matrix/client/v1/rooms/{}/timestamp_to_event?ts={ts}&dir={dir}",
            seg(&room)
        )
    };
    let first = server.get(&alice, &path(0, "f")).await.ok();
    assert!(first["origin_server_ts"].is_u64(), "{first}");
    let first_event = server
        .get(
            &alice,
            &room_path(
                &room,
                &format!("event/{}", seg(first["event_id"].as_str().expect("id"))),
            ),
        )
        .await
        .ok();
    assert_eq!(first_event["type"], "m.room.create");
    let latest = server.get(&alice, &path(FAR_FUTURE, "b")).await.ok();
    assert_eq!(latest["event_id"], last.as_str());
    server
        .get(&alice, &path(FAR_FUTURE, "f"))
        .await
        .error(404, "M_NOT_FOUND");
    server
        .get(&bob, &path(0, "f"))
        .await
        .error(403, "M_FORBIDDEN");
}

#[tokio::test]
async fn lazy_context_state_has_only_the_senders_members() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    let carol = server.register("carol").await;
    let room = shared_public_room(&server, &alice, &bob).await;
    server.join(&carol, &room).await;
    send_text(&server, &alice, &room, "alice first").await;
    let first = send_text(&server, &alice, &room, "alice second").await;
    send_text(&server, &bob, &room, "from bob").await;
    let filter = seg(&json!({ "lazy_load_members": true }).to_string());
    let path = room_path(
        &room,
        &format!("context/{}?limit=2&filter={filter}", seg(&first)),
    );
    let context = server.get(&alice, &path).await.ok();
    let state = context["state"].as_array().expect("state");
    let members: Vec<&str> = state
        .iter()
        .filter(|e| e["type"] == "m.room.member")
        .filter_map(|e| e["state_key"].as_str())
        .collect();
    assert!(members.contains(&alice.user_id.as_str()), "{context}");
    assert!(members.contains(&bob.user_id.as_str()), "{context}");
    assert!(!members.contains(&carol.user_id.as_str()), "{context}");
    assert!(
        state.iter().any(|e| e["type"] == "m.room.power_levels"),
        "{context}"
    );
}

#[tokio::test]
async fn context_state_is_at_the_last_event_returned() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    let room = create_room(&server, &alice, json!({ "preset": "public_chat" })).await;
    let early = send_text(&server, &alice, &room, "before bob").await;
    server.join(&bob, &room).await;
    let filter = seg(&json!({ "types": ["m.room.message"] }).to_string());
    send_text(&server, &bob, &room, "bob arrived").await;
    let path = room_path(
        &room,
        &format!("context/{}?limit=2&filter={filter}", seg(&early)),
    );
    let context = server.get(&alice, &path).await.ok();
    assert_eq!(
        context["events_after"][0]["content"]["body"], "bob arrived",
        "{context}"
    );
    let state = context["state"].as_array().expect("state");
    let bob_member = state
        .iter()
        .find(|e| e["type"] == "m.room.member" && e["state_key"] == bob.user_id.as_str());
    assert!(
        bob_member.is_some(),
        "state lacks bob, who joined before the last event: {context}"
    );
}
