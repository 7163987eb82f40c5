//! Kick, ban, unban, forget, `/joined_members` and `/members`.

use serde_json::json;

use crate::{
    common::{seg, TestServer},
    helpers::{create_room, membership_of, room_path, shared_public_room, sync},
};

#[tokio::test]
async fn kick_needs_power_and_a_present_target() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    let carol = server.register("carol").await;
    let room = shared_public_room(&server, &alice, &bob).await;
    let kick = room_path(&room, "kick");
    server
        .post(&bob, &kick, &json!({ "user_id": alice.user_id }))
        .await
        .error(403, "M_FORBIDDEN");
    server
        .post(&alice, &kick, &json!({ "user_id": carol.user_id }))
        .await
        .error(403, "M_FORBIDDEN");
    server
        .post(
            &alice,
            &kick,
            &json!({ "user_id": bob.user_id, "reason": "spam" }),
        )
        .await
        .ok();
    let member = server
        .get(
            &alice,
            &room_path(&room, &format!("state/m.room.member/{}", seg(&bob.user_id))),
        )
        .await
        .ok();
    assert_eq!(member["membership"], "leave");
    assert_eq!(member["reason"], "spam");
}

#[tokio::test]
async fn ban_keeps_out_until_unban() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    let room = shared_public_room(&server, &alice, &bob).await;
    let unban = room_path(&room, "unban");
    server
        .post(&alice, &unban, &json!({ "user_id": bob.user_id }))
        .await
        .error(403, "M_FORBIDDEN");
    server
        .post(
            &bob,
            &room_path(&room, "ban"),
            &json!({ "user_id": alice.user_id }),
        )
        .await
        .error(403, "M_FORBIDDEN");
    server
        .post(
            &alice,
            &room_path(&room, "ban"),
            &json!({ "user_id": bob.user_id, "reason": "rude" }),
        )
        .await
        .ok();
    assert_eq!(
        membership_of(&server, &alice, &room, &bob.user_id)
            .await
            .as_deref(),
        Some("ban")
    );
    let join = crate::common::v3(&format!("/join/{}", seg(&room)));
    server
        .post(&bob, &join, &json!({}))
        .await
        .error(403, "M_FORBIDDEN");
    server
        .post(
            &alice,
            &room_path(&room, "kick"),
            &json!({ "user_id": bob.user_id }),
        )
        .await
        .error(403, "M_FORBIDDEN");
    server
        .post(&alice, &unban, &json!({ "user_id": bob.user_id }))
        .await
        .ok();
    assert_eq!(
        membership_of(&server, &alice, &room, &bob.user_id)
            .await
            .as_deref(),
        Some("leave")
    );
    server.join(&bob, &room).await;
}

#[tokio::test]
async fn forget_hides_a_left_room() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    let room = shared_public_room(&server, &alice, &bob).await;
    let forget = room_path(&room, "forget");
    server
        .post(&bob, &forget, &json!({}))
        .await
        .error(400, "M_INVALID_PARAM");
    let other = create_room(&server, &alice, json!({})).await;
    server
        .post(&bob, &room_path(&other, "forget"), &json!({}))
        .await
        .error(404, "M_NOT_FOUND");
    let since = sync(&server, &bob, None).await["next_batch"]
        .as_str()
        .expect("next_batch")
        .to_owned();
    server
        .post(&bob, &room_path(&room, "leave"), &json!({}))
        .await
        .ok();
    let before = sync(&server, &bob, Some(&since)).await;
    assert!(
        !before["rooms"]["leave"][&room].is_null(),
        "left room missing before forget: {before}"
    );
    server.post(&bob, &forget, &json!({})).await.ok();
    let after = sync(&server, &bob, Some(&since)).await;
    assert!(
        after["rooms"]["leave"][&room].is_null(),
        "forgotten room still synced: {after}"
    );
}

#[tokio::test]
async fn joined_members_for_members_only() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    let carol = server.register("carol").await;
    let room = shared_public_room(&server, &alice, &bob).await;
    let path = room_path(&room, "joined_members");
    let body = server.get(&alice, &path).await.ok();
    let joined = body["joined"].as_object().expect("joined");
    assert_eq!(joined.len(), 2, "{body}");
    assert_eq!(joined[&bob.user_id]["display_name"], "bob");
    server.get(&carol, &path).await.error(403, "M_FORBIDDEN");
}

#[tokio::test]
async fn members_filters_by_membership_and_time() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    let carol = server.register("carol").await;
    let room = create_room(&server, &alice, json!({ "preset": "public_chat" })).await;
    let before_bob = sync(&server, &alice, None).await["next_batch"]
        .as_str()
        .expect("next_batch")
        .to_owned();
    server.join(&bob, &room).await;
    server
        .post(
            &alice,
            &room_path(&room, "invite"),
            &json!({ "user_id": carol.user_id }),
        )
        .await
        .ok();
    let members = |query: &str| room_path(&room, &format!("members{query}"));
    let all = server.get(&alice, &members("")).await.ok();
    assert_eq!(all["chunk"].as_array().map(Vec::len), Some(3), "{all}");
    assert!(all["chunk"]
        .as_array()
        .expect("chunk")
        .iter()
        .all(|e| e["type"] == "m.room.member"));
    let joined = server.get(&alice, &members("?membership=join")).await.ok();
    assert_eq!(
        joined["chunk"].as_array().map(Vec::len),
        Some(2),
        "{joined}"
    );
    let not_joined = server
        .get(&alice, &members("?not_membership=join"))
        .await
        .ok();
    assert_eq!(
        not_joined["chunk"][0]["state_key"],
        carol.user_id.as_str(),
        "{not_joined}"
    );
    let earlier = server
        .get(&alice, &members(&format!("?at={before_bob}")))
        .await
        .ok();
    let keys: Vec<_> = earlier["chunk"]
        .as_array()
        .expect("chunk")
        .iter()
        .map(|e| e["state_key"].clone())
        .collect();
    assert_eq!(keys, vec![json!(alice.user_id)], "{earlier}");
    server
        .get(&alice, &members("?at=bogus"))
        .await
        .error(400, "M_INVALID_PARAM");
    let dave = server.register("dave").await;
    server
        .get(&dave, &members(""))
        .await
        .error(403, "M_FORBIDDEN");
}
