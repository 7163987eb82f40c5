//! History visibility: with `joined` a late joiner cannot read what was sent
//! before they joined; with `shared` they can.

use complement_tests::{json, Client, TestServer};

async fn room_with_visibility(server: &TestServer, visibility: &str) -> (Client, Client, String) {
    let anon = server.client();
    let alice = anon.register("alice").await;
    let bob = anon.register("bob").await;
    let body = json!({
        "preset": "public_chat",
        "initial_state": [{
            "type": "m.room.history_visibility",
            "state_key": "",
            "content": {"history_visibility": visibility},
        }],
    });
    let room = alice.create_room(body).await;
    (alice, bob, room)
}

#[tokio::test]
async fn joined_visibility_hides_earlier_messages() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = room_with_visibility(&server, "joined").await;
    alice.send_text(&room, "before bob").await;
    bob.join(&room).await;
    alice.send_text(&room, "after bob").await;
    let seen = bob.message_bodies(&room).await;
    assert_eq!(
        seen,
        vec!["after bob"],
        "bob saw history from before his join"
    );
    let all = alice.message_bodies(&room).await;
    assert_eq!(all, vec!["before bob", "after bob"]);
}

#[tokio::test]
async fn joined_visibility_hides_earlier_messages_in_sync() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = room_with_visibility(&server, "joined").await;
    alice.send_text(&room, "before bob").await;
    bob.join(&room).await;
    let body = bob.sync(None, 0, None).await;
    let events: Vec<_> = Client::joined_events(&body, &room, "timeline")
        .into_iter()
        .cloned()
        .collect();
    let bodies = complement_tests::rooms::message_bodies(&events);
    assert!(
        !bodies.contains(&"before bob".to_owned()),
        "sync leaked history: {bodies:?}"
    );
}

#[tokio::test]
async fn shared_visibility_shows_earlier_messages() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = room_with_visibility(&server, "shared").await;
    alice.send_text(&room, "before bob").await;
    bob.join(&room).await;
    alice.send_text(&room, "after bob").await;
    assert_eq!(
        bob.message_bodies(&room).await,
        vec!["before bob", "after bob"]
    );
}

#[tokio::test]
async fn left_member_sees_nothing_after_leaving() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = room_with_visibility(&server, "shared").await;
    bob.join(&room).await;
    alice.send_text(&room, "while bob is here").await;
    bob.leave(&room).await;
    alice.send_text(&room, "after bob left").await;
    let seen = bob.message_bodies(&room).await;
    assert!(seen.contains(&"while bob is here".to_owned()), "{seen:?}");
    assert!(
        !seen.contains(&"after bob left".to_owned()),
        "left member read later messages: {seen:?}"
    );
}

#[tokio::test]
async fn invited_visibility_shows_history_from_the_invite() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = room_with_visibility(&server, "invited").await;
    alice.send_text(&room, "before invite").await;
    alice.invite(&room, &bob.user_id).await;
    alice.send_text(&room, "after invite").await;
    bob.join(&room).await;
    alice.send_text(&room, "after join").await;
    assert_eq!(
        bob.message_bodies(&room).await,
        vec!["after invite", "after join"]
    );
}

#[tokio::test]
async fn world_readable_room_is_readable_without_joining() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = room_with_visibility(&server, "world_readable").await;
    alice.send_text(&room, "for everyone").await;
    let page = bob.messages_raw(&room, "b", None, 10).await.ok();
    let chunk = page["chunk"].as_array().expect("chunk");
    assert!(
        complement_tests::rooms::message_bodies(chunk).contains(&"for everyone".to_owned()),
        "{page}"
    );
}
