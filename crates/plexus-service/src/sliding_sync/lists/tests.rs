//! Bump stamps kept on append: which events move a room, the user's own
//! membership, agreement with the timeline scan, rooms whose stamp predates
//! the table, left rooms, and forgotten rooms read once.

use std::collections::HashSet;

use ruma::{OwnedRoomId, OwnedUserId, UserId};
use serde_json::json;

use crate::{
    events::NewEvent, records::MembershipRecord, rooms::CreateRoom, tables::RoomBumpStamps,
    tests::fixture, Services,
};

async fn user(s: &Services, name: &str) -> OwnedUserId {
    s.create_user(name, Some("password123"), false)
        .await
        .unwrap()
}

async fn room(s: &Services, creator: &OwnedUserId) -> OwnedRoomId {
    s.create_room(creator, CreateRoom::default()).await.unwrap()
}

/// Appends an event and returns its stream position.
async fn append(s: &Services, room: &OwnedRoomId, sender: &OwnedUserId, event: NewEvent) -> u64 {
    let pdu = s.append_event(room, sender, event).await.unwrap();
    s.event_meta(pdu.event_id.as_str()).unwrap().unwrap().stream
}

async fn say(s: &Services, room: &OwnedRoomId, sender: &OwnedUserId) -> u64 {
    let content = json!({ "msgtype": "m.text", "body": "hello" });
    append(
        s,
        room,
        sender,
        NewEvent::message("m.room.message", content),
    )
    .await
}

async fn react(s: &Services, room: &OwnedRoomId, sender: &OwnedUserId, target: u64) -> u64 {
    let (_, event_id) = s
        .timeline_scan(room, target, plexus_storage::Direction::Backward)
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let content = json!({ "m.relates_to": {
        "rel_type": "m.annotation", "event_id": event_id, "key": "👍"
    } });
    append(s, room, sender, NewEvent::message("m.reaction", content)).await
}

fn kept(s: &Services, room: &OwnedRoomId) -> Option<u64> {
    s.db.get::<RoomBumpStamps>(&room.to_string()).unwrap()
}

fn own_membership(s: &Services, room: &OwnedRoomId, user: &UserId) -> MembershipRecord {
    s.membership(room, user).unwrap().unwrap()
}

/// The stamp a request uses, and the one the timeline scan finds.
fn stamps(s: &Services, room: &OwnedRoomId, user: &UserId) -> (u64, u64) {
    let membership = own_membership(s, room, user);
    let used = s.bump_stamp(room.as_str(), user, &membership).unwrap();
    let scanned = s
        .scanned_bump_stamp(room.as_str(), user, &membership, u64::MAX)
        .unwrap();
    (used, scanned)
}

#[tokio::test]
async fn messages_move_the_kept_stamp_and_reactions_and_state_do_not() {
    let f = fixture().await;
    let s = &f.services;
    let alice = user(s, "alice").await;
    let room = room(s, &alice).await;
    let created = kept(s, &room).expect("the create event bumps");
    let message = say(s, &room, &alice).await;
    assert!(message > created);
    assert_eq!(kept(s, &room), Some(message));
    react(s, &room, &alice, message).await;
    let topic = NewEvent::state("m.room.topic", "", json!({ "topic": "quiet" }));
    append(s, &room, &alice, topic).await;
    assert_eq!(kept(s, &room), Some(message), "reaction and topic kept it");
    let encrypted = json!({ "algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "x" });
    let sealed = append(
        s,
        &room,
        &alice,
        NewEvent::message("m.room.encrypted", encrypted),
    )
    .await;
    assert_eq!(kept(s, &room), Some(sealed));
    assert_eq!(stamps(s, &room, &alice), (sealed, sealed));
}

#[tokio::test]
async fn a_users_own_membership_bumps_the_room_only_for_them() {
    let f = fixture().await;
    let s = &f.services;
    let alice = user(s, "alice").await;
    let bob = user(s, "bob").await;
    let room = room(s, &alice).await;
    let message = say(s, &room, &alice).await;
    s.invite(&room, &alice, &bob, None, false).await.unwrap();
    s.join_room(&room, &bob, None, &[]).await.unwrap();
    let joined = own_membership(s, &room, &bob).stream;
    assert!(joined > message);
    assert_eq!(stamps(s, &room, &bob), (joined, joined));
    assert_eq!(stamps(s, &room, &alice), (message, message), "bob's join");
    let rename = json!({ "membership": "join", "displayname": "Bobby" });
    let renamed = append(
        s,
        &room,
        &bob,
        NewEvent::state("m.room.member", bob.as_str(), rename),
    )
    .await;
    assert_eq!(stamps(s, &room, &bob), (renamed, renamed));
    assert_eq!(stamps(s, &room, &alice), (message, message));
    assert_eq!(kept(s, &room), Some(message), "member events are not kept");
}

#[tokio::test]
async fn a_room_without_a_kept_stamp_is_scanned() {
    let f = fixture().await;
    let s = &f.services;
    let alice = user(s, "alice").await;
    let room = room(s, &alice).await;
    let message = say(s, &room, &alice).await;
    react(s, &room, &alice, message).await;
    let mut batch = s.db.batch();
    batch.delete::<RoomBumpStamps>(&room.to_string()).unwrap();
    s.db.write(batch).unwrap();
    assert_eq!(kept(s, &room), None);
    assert_eq!(stamps(s, &room, &alice), (message, message));
    let next = say(s, &room, &alice).await;
    assert_eq!(kept(s, &room), Some(next), "the next bump fills the field");
    assert_eq!(stamps(s, &room, &alice), (next, next));
}

#[tokio::test]
async fn a_left_room_stops_at_the_leave() {
    let f = fixture().await;
    let s = &f.services;
    let alice = user(s, "alice").await;
    let bob = user(s, "bob").await;
    let room = room(s, &alice).await;
    s.invite(&room, &alice, &bob, None, false).await.unwrap();
    s.join_room(&room, &bob, None, &[]).await.unwrap();
    s.set_membership(&room, &bob, &bob, "leave", None)
        .await
        .unwrap();
    let left = own_membership(s, &room, &bob);
    say(s, &room, &alice).await;
    assert_eq!(
        s.bump_stamp(room.as_str(), &bob, &left).unwrap(),
        left.stream
    );
}

#[tokio::test]
async fn forgotten_rooms_are_read_once_and_left_out() {
    let f = fixture().await;
    let s = &f.services;
    let alice = user(s, "alice").await;
    let kept_room = room(s, &alice).await;
    let forgotten = room(s, &alice).await;
    s.set_membership(&forgotten, &alice, &alice, "leave", None)
        .await
        .unwrap();
    s.forget_room(&forgotten, &alice).unwrap();
    let expected: HashSet<String> = [forgotten.to_string()].into();
    assert_eq!(s.forgotten_rooms(&alice).unwrap(), expected);
    let rooms: Vec<String> = s
        .sliding_candidates(&alice, None, &HashSet::new())
        .unwrap()
        .into_iter()
        .map(|c| c.room)
        .collect();
    assert_eq!(rooms, vec![kept_room.to_string()]);
}
