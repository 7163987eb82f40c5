//! Membership changes: join, leave, invite, kick, ban, unban, and what a
//! non-member may not do.

use complement_tests::{json, Client, TestServer};

async fn setup(server: &TestServer, preset: &str) -> (Client, Client, String) {
    let anon = server.client();
    let alice = anon.register("alice").await;
    let bob = anon.register("bob").await;
    let room = alice.create_room(json!({"preset": preset})).await;
    (alice, bob, room)
}

#[tokio::test]
async fn join_and_leave() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = setup(&server, "public_chat").await;
    bob.join(&room).await;
    assert!(bob.joined_rooms().await.contains(&room));
    bob.leave(&room).await;
    assert!(!bob.joined_rooms().await.contains(&room));
    assert_eq!(
        alice.membership_of(&room, &bob.user_id).await.as_deref(),
        Some("leave")
    );
    bob.join(&room).await;
    assert_eq!(
        alice.membership_of(&room, &bob.user_id).await.as_deref(),
        Some("join")
    );
}

#[tokio::test]
async fn join_via_room_id_endpoint() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = setup(&server, "public_chat").await;
    let path = complement_tests::rooms::room_path(&room, "join");
    let answer = bob.post(&path, &json!({})).await.ok();
    assert_eq!(answer["room_id"], room.as_str());
    assert_eq!(
        alice.membership_of(&room, &bob.user_id).await.as_deref(),
        Some("join")
    );
}

#[tokio::test]
async fn invite_then_join_private_room() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = setup(&server, "private_chat").await;
    bob.join_raw(&room).await.assert_error(403, "M_FORBIDDEN");
    alice.invite(&room, &bob.user_id).await;
    assert_eq!(
        alice.membership_of(&room, &bob.user_id).await.as_deref(),
        Some("invite")
    );
    bob.join(&room).await;
    assert_eq!(
        alice.membership_of(&room, &bob.user_id).await.as_deref(),
        Some("join")
    );
}

#[tokio::test]
async fn invite_can_be_rejected() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = setup(&server, "private_chat").await;
    alice.invite(&room, &bob.user_id).await;
    bob.leave(&room).await;
    assert_eq!(
        alice.membership_of(&room, &bob.user_id).await.as_deref(),
        Some("leave")
    );
    bob.join_raw(&room).await.assert_error(403, "M_FORBIDDEN");
}

#[tokio::test]
async fn non_member_cannot_invite() {
    let server = TestServer::start_default().await;
    let (_alice, bob, room) = setup(&server, "private_chat").await;
    let carol = server.client().register("carol").await;
    let response = bob
        .membership(&room, "invite", json!({"user_id": carol.user_id}))
        .await;
    response.assert_error(403, "M_FORBIDDEN");
}

#[tokio::test]
async fn kick_removes_member_with_reason() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = setup(&server, "public_chat").await;
    bob.join(&room).await;
    let body = json!({"user_id": bob.user_id, "reason": "spam"});
    alice.membership(&room, "kick", body).await.ok();
    let member = alice
        .get_state(&room, "m.room.member", &bob.user_id)
        .await
        .ok();
    assert_eq!(member["membership"], "leave");
    assert_eq!(member["reason"], "spam");
    assert!(!bob.joined_rooms().await.contains(&room));
    bob.join(&room).await;
}

#[tokio::test]
async fn member_without_power_cannot_kick() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = setup(&server, "public_chat").await;
    bob.join(&room).await;
    let response = bob
        .membership(&room, "kick", json!({"user_id": alice.user_id}))
        .await;
    response.assert_error(403, "M_FORBIDDEN");
}

#[tokio::test]
async fn ban_and_unban() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = setup(&server, "public_chat").await;
    bob.join(&room).await;
    alice
        .membership(
            &room,
            "ban",
            json!({"user_id": bob.user_id, "reason": "rude"}),
        )
        .await
        .ok();
    assert_eq!(
        alice.membership_of(&room, &bob.user_id).await.as_deref(),
        Some("ban")
    );
    bob.join_raw(&room).await.assert_error(403, "M_FORBIDDEN");
    alice
        .membership(&room, "unban", json!({"user_id": bob.user_id}))
        .await
        .ok();
    assert_eq!(
        alice.membership_of(&room, &bob.user_id).await.as_deref(),
        Some("leave")
    );
    bob.join(&room).await;
}

#[tokio::test]
async fn non_member_cannot_send_or_read() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = setup(&server, "private_chat").await;
    alice.send_text(&room, "private").await;
    let content = json!({"msgtype": "m.text", "body": "intrusion"});
    let response = bob.send_raw(&room, "m.room.message", "t1", &content).await;
    response.assert_error(403, "M_FORBIDDEN");
    let response = bob.messages_raw(&room, "b", None, 10).await;
    response.assert_error(403, "M_FORBIDDEN");
}

#[tokio::test]
async fn joined_members_lists_members() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = setup(&server, "public_chat").await;
    bob.join(&room).await;
    let path = complement_tests::rooms::room_path(&room, "joined_members");
    let body = alice.get(&path).await.ok();
    let joined = body["joined"].as_object().expect("joined object");
    assert!(
        joined.contains_key(&alice.user_id) && joined.contains_key(&bob.user_id),
        "{body}"
    );
    let members = alice
        .get(&complement_tests::rooms::room_path(&room, "members"))
        .await
        .ok();
    assert_eq!(
        members["chunk"].as_array().map(Vec::len),
        Some(2),
        "{members}"
    );
}

#[tokio::test]
async fn membership_flows_in_every_supported_room_version() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let alice = anon.register("alice").await;
    let bob = anon.register("bob").await;
    for version in ["10", "11", "12"] {
        let room = alice
            .create_room(json!({"preset": "public_chat", "room_version": version}))
            .await;
        bob.join(&room).await;
        bob.send_text(&room, &format!("hello v{version}")).await;
        alice
            .membership(&room, "kick", json!({"user_id": bob.user_id}))
            .await
            .ok();
        bob.join(&room).await;
        alice
            .membership(&room, "ban", json!({"user_id": bob.user_id}))
            .await
            .ok();
        bob.join_raw(&room).await.assert_error(403, "M_FORBIDDEN");
        alice
            .membership(&room, "unban", json!({"user_id": bob.user_id}))
            .await
            .ok();
        bob.join(&room).await;
        let bodies = alice.message_bodies(&room).await;
        assert_eq!(
            bodies,
            [format!("hello v{version}")],
            "room version {version}"
        );
    }
}
