//! Ignoring users (`m.ignored_user_list`): their messages and invites stop
//! reaching the ignoring user's sync; their state events still arrive.

use std::time::Duration;

use complement_tests::rooms::message_bodies;
use complement_tests::{json, Client, TestServer};

const WAIT: Duration = Duration::from_secs(10);

async fn ignore(client: &Client, user_id: &str) {
    let path = client.user_path("account_data/m.ignored_user_list");
    client
        .put(&path, &json!({"ignored_users": {user_id: {}}}))
        .await
        .ok();
}

#[tokio::test]
async fn ignored_users_messages_are_not_synced() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let alice = anon.register("alice").await;
    let bob = anon.register("bob").await;
    let carol = anon.register("carol").await;
    let room = alice.create_room(json!({"preset": "public_chat"})).await;
    bob.join(&room).await;
    carol.join(&room).await;
    ignore(&bob, &alice.user_id).await;
    let since = bob.sync(None, 0, None).await["next_batch"]
        .as_str()
        .expect("next_batch")
        .to_owned();
    alice.send_text(&room, "from the ignored").await;
    alice
        .put_state(
            &room,
            "m.room.topic",
            "",
            &json!({"topic": "state still arrives"}),
        )
        .await;
    carol.send_text(&room, "from carol").await;
    let key = room.clone();
    let (events, _) = bob
        .sync_until(Some(&since), WAIT, |body| {
            let events: Vec<_> = Client::joined_events(body, &key, "timeline")
                .into_iter()
                .cloned()
                .collect();
            message_bodies(&events)
                .contains(&"from carol".to_owned())
                .then_some(events)
        })
        .await;
    assert!(
        !message_bodies(&events).contains(&"from the ignored".to_owned()),
        "ignored user's message synced"
    );
    assert!(
        events.iter().any(|e| e["type"] == "m.room.topic"),
        "state from the ignored user must still arrive"
    );
}

#[tokio::test]
async fn invites_from_ignored_users_are_not_synced() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let alice = anon.register("alice").await;
    let bob = anon.register("bob").await;
    let carol = anon.register("carol").await;
    ignore(&bob, &alice.user_id).await;
    let from_alice = alice.create_room(json!({"preset": "private_chat"})).await;
    alice.invite(&from_alice, &bob.user_id).await;
    let from_carol = carol.create_room(json!({"preset": "private_chat"})).await;
    carol.invite(&from_carol, &bob.user_id).await;
    let key = from_carol.clone();
    let (invites, _) = bob
        .sync_until(None, WAIT, |body| {
            let invites = body["rooms"]["invite"].as_object()?.clone();
            invites.contains_key(&key).then_some(invites)
        })
        .await;
    assert!(
        !invites.contains_key(&from_alice),
        "invite from an ignored user synced"
    );
}
