//! Redactions (content stripped, power needed, the redaction algorithm on
//! member events) and `/relations`.

use complement_tests::rooms::room_path;
use complement_tests::{json, Client, TestServer};

async fn alice_with_room(server: &TestServer) -> (Client, String) {
    let alice = server.client().register("alice").await;
    let room = alice.create_room(json!({"preset": "private_chat"})).await;
    (alice, room)
}

#[tokio::test]
async fn redaction_strips_content() {
    let server = TestServer::start_default().await;
    let (alice, room) = alice_with_room(&server).await;
    let event_id = alice.send_text(&room, "regrettable").await;
    let rest = format!(
        "redact/{}/r1",
        complement_tests::encode::path_segment(&event_id)
    );
    let redaction = alice
        .put(&room_path(&room, &rest), &json!({"reason": "oops"}))
        .await
        .ok();
    assert!(redaction["event_id"].is_string());
    let events = alice.all_messages(&room, 10).await;
    let redacted = events
        .iter()
        .find(|e| e["event_id"] == event_id.as_str())
        .expect("event still listed");
    assert_eq!(
        redacted["content"],
        json!({}),
        "content kept after redaction: {redacted}"
    );
    assert!(events.iter().any(|e| e["type"] == "m.room.redaction"));
}

#[tokio::test]
async fn redacting_others_needs_power() {
    let server = TestServer::start_default().await;
    let (alice, room) = alice_with_room(&server).await;
    let bob = server.client().register("bob").await;
    alice.invite(&room, &bob.user_id).await;
    bob.join(&room).await;
    let target = alice.send_text(&room, "alice's words").await;
    let rest = format!(
        "redact/{}/r1",
        complement_tests::encode::path_segment(&target)
    );
    bob.put(&room_path(&room, &rest), &json!({}))
        .await
        .assert_error(403, "M_FORBIDDEN");
    let own = bob.send_text(&room, "bob's words").await;
    let rest = format!("redact/{}/r2", complement_tests::encode::path_segment(&own));
    bob.put(&room_path(&room, &rest), &json!({})).await.ok();
}

#[tokio::test]
async fn redacted_member_event_keeps_membership() {
    let server = TestServer::start_default().await;
    let (alice, room) = alice_with_room(&server).await;
    let path = format!(
        "/_matrix/client/v3/profile/{}/displayname",
        complement_tests::encode::path_segment(&alice.user_id)
    );
    alice
        .put(&path, &json!({"displayname": "Shown"}))
        .await
        .ok();
    let member_path = room_path(
        &room,
        &format!(
            "state/m.room.member/{}",
            complement_tests::encode::path_segment(&alice.user_id)
        ),
    );
    let events = alice.all_messages(&room, 10).await;
    let member = events
        .iter()
        .rev()
        .find(|e| e["type"] == "m.room.member" && e["content"]["displayname"] == "Shown")
        .expect("member event with the name");
    let member_id = member["event_id"].as_str().expect("event_id").to_owned();
    let rest = format!(
        "redact/{}/rm1",
        complement_tests::encode::path_segment(&member_id)
    );
    alice.put(&room_path(&room, &rest), &json!({})).await.ok();
    let event_path = room_path(
        &room,
        &format!(
            "event/{}",
            complement_tests::encode::path_segment(&member_id)
        ),
    );
    let redacted = alice.get(&event_path).await.ok();
    assert_eq!(
        redacted["content"],
        json!({"membership": "join"}),
        "redaction algorithm: {redacted}"
    );
    let current = alice.get(&member_path).await.ok();
    assert_eq!(
        current["membership"], "join",
        "redacting the member event changed the membership: {current}"
    );
}

#[tokio::test]
async fn relations_list_reactions() {
    let server = TestServer::start_default().await;
    let (alice, room) = alice_with_room(&server).await;
    let target = alice.send_text(&room, "react to me").await;
    let reaction =
        json!({"m.relates_to": {"rel_type": "m.annotation", "event_id": target, "key": "👍"}});
    let sent = alice
        .send_raw(&room, "m.reaction", "react-1", &reaction)
        .await
        .ok();
    let rest = format!(
        "relations/{}",
        complement_tests::encode::path_segment(&target)
    );
    let path = format!(
        "/_matrix/client/v1/rooms/{}/{rest}",
        complement_tests::encode::path_segment(&room)
    );
    let relations = alice.get(&path).await.ok();
    let chunk = relations["chunk"].as_array().expect("chunk");
    assert_eq!(chunk.len(), 1, "{relations}");
    assert_eq!(chunk[0]["event_id"], sent["event_id"]);
}
