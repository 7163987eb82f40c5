//! What other servers may see: a remote user (`@bob:remote.example`) is
//! invited, joins and leaves around messages under each history visibility;
//! a server with no members sees only world-readable events.

use std::sync::Arc;

use plexus_core::Pdu;
use ruma::{OwnedRoomId, OwnedUserId, ServerName, UserId};
use serde_json::json;

use crate::tests::user;
use crate::{
    events::NewEvent,
    rooms::{CreateRoom, Preset},
    tests::fixture,
    Services,
};

const REMOTE: &str = "remote.example";
const STRANGER: &str = "stranger.example";

async fn public_room(s: &Services, alice: &UserId) -> OwnedRoomId {
    let request = CreateRoom {
        preset: Some(Preset::PublicChat),
        ..Default::default()
    };
    s.create_room(alice, request).await.unwrap()
}

async fn say(s: &Services, room: &OwnedRoomId, sender: &UserId, body: &str) -> Arc<Pdu> {
    let content = json!({"msgtype": "m.text", "body": body});
    s.append_event(room, sender, NewEvent::message("m.room.message", content))
        .await
        .unwrap()
}

async fn set_visibility(s: &Services, room: &OwnedRoomId, alice: &UserId, value: &str) {
    let content = json!({"history_visibility": value});
    let event = NewEvent::state("m.room.history_visibility", "", content);
    s.append_event(room, alice, event).await.unwrap();
}

/// Writes bob's membership directly (the federation path is not under test here).
async fn member(s: &Services, room: &OwnedRoomId, sender: &UserId, bob: &UserId, membership: &str) {
    let content = json!({"membership": membership});
    let event = NewEvent::state("m.room.member", bob.as_str(), content);
    s.append_event(room, sender, event).await.unwrap();
}

fn sees(s: &Services, server: &str, pdu: &Pdu) -> bool {
    let server = <&ServerName>::try_from(server).unwrap();
    s.server_can_see_event(server, pdu).unwrap()
}

struct Story {
    before: Arc<Pdu>,
    invited: Arc<Pdu>,
    joined: Arc<Pdu>,
    after_leave: Arc<Pdu>,
}

/// Messages before bob's invite, while invited, while joined, after he left.
async fn story(visibility: &str) -> (crate::tests::Fixture, Story) {
    let f = fixture().await;
    let s = &f.services;
    let alice = user(s, "alice").await;
    let bob: OwnedUserId = format!("@bob:{REMOTE}").try_into().unwrap();
    let room = public_room(s, &alice).await;
    set_visibility(s, &room, &alice, visibility).await;
    let before = say(s, &room, &alice, "before").await;
    member(s, &room, &alice, &bob, "invite").await;
    let invited = say(s, &room, &alice, "invited").await;
    member(s, &room, &bob, &bob, "join").await;
    let joined = say(s, &room, &alice, "joined").await;
    member(s, &room, &bob, &bob, "leave").await;
    let after_leave = say(s, &room, &alice, "after leave").await;
    let story = Story {
        before,
        invited,
        joined,
        after_leave,
    };
    (f, story)
}

#[tokio::test]
async fn joined_visibility_shows_a_server_only_what_its_users_saw_while_joined() {
    let (f, story) = story("joined").await;
    let s = &f.services;
    assert!(!sees(s, REMOTE, &story.before));
    assert!(!sees(s, REMOTE, &story.invited));
    assert!(sees(s, REMOTE, &story.joined));
    assert!(!sees(s, REMOTE, &story.after_leave));
    assert!(!sees(s, STRANGER, &story.joined));
    assert!(sees(s, "localhost", &story.before));
}

#[tokio::test]
async fn invited_visibility_starts_at_the_invite() {
    let (f, story) = story("invited").await;
    let s = &f.services;
    assert!(!sees(s, REMOTE, &story.before));
    assert!(sees(s, REMOTE, &story.invited));
    assert!(sees(s, REMOTE, &story.joined));
    assert!(!sees(s, REMOTE, &story.after_leave));
}

#[tokio::test]
async fn shared_visibility_opens_earlier_history_to_servers_that_joined_later() {
    let (f, story) = story("shared").await;
    let s = &f.services;
    assert!(sees(s, REMOTE, &story.before));
    assert!(sees(s, REMOTE, &story.invited));
    assert!(sees(s, REMOTE, &story.joined));
    // Bob had left by then: the server had no joined user at or after the event.
    assert!(!sees(s, REMOTE, &story.after_leave));
    assert!(!sees(s, STRANGER, &story.before));
}

#[tokio::test]
async fn servers_without_members_see_world_readable_events_only() {
    let (f, story) = story("world_readable").await;
    let s = &f.services;
    for pdu in [&story.before, &story.joined, &story.after_leave] {
        assert!(sees(s, STRANGER, pdu));
    }
    let room = story.before.room_id.clone();
    let remote = <&ServerName>::try_from(REMOTE).unwrap();
    assert!(!s.server_in_room(&room, remote).unwrap());
    let servers = s.servers_in_room(&room).unwrap();
    assert_eq!(servers, vec![s.server_name().to_owned()]);
}
