//! Bump stamps kept on append: which events move a room, the user's own
//! membership, agreement with the timeline scan, rooms whose stamp predates
//! the table, left rooms, and forgotten rooms.

use std::{collections::HashSet, time::Duration};

use ruma::{OwnedRoomId, OwnedUserId, UserId};
use serde_json::json;

use super::super::{SlidingSyncParams, SlidingSyncRequest};
use crate::{
    events::NewEvent,
    records::MembershipRecord,
    rooms::CreateRoom,
    tables::RoomBumpStamps,
    tests::{fixture, user},
    Services,
};

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

/// The rooms of the user's candidates after a request on a connection that
/// was sent every room (so a room left since is listed, unless forgotten).
async fn listed_after_first_sync(
    s: &Services,
    user: &OwnedUserId,
    between: impl AsyncFnOnce(),
) -> Vec<String> {
    let body = json!({ "lists": { "all": { "ranges": [[0, 9]], "timeline_limit": 1 } } });
    let params = |pos: Option<String>| SlidingSyncParams {
        pos,
        timeout: Duration::ZERO,
        set_presence: Some("offline".into()),
        body: serde_json::from_value::<SlidingSyncRequest>(body.clone()).unwrap(),
    };
    let first = s.sliding_sync(user, "DEV", params(None)).await.unwrap();
    between().await;
    let key = (user.to_string(), "DEV".to_owned(), String::new());
    let pos = first["pos"].as_str().map(str::to_owned);
    let prev = s.load_position(&key, pos.as_deref()).unwrap().unwrap();
    let candidates = s.sliding_candidates(user, Some(&prev), &HashSet::new());
    candidates.unwrap().into_iter().map(|c| c.room).collect()
}

#[tokio::test]
async fn a_left_room_is_listed_once_unless_forgotten_and_a_join_clears_the_mark() {
    let f = fixture().await;
    let s = &f.services;
    let alice = user(s, "alice").await;
    let bob = user(s, "bob").await;
    let left = room(s, &bob).await;
    let forgotten = room(s, &bob).await;
    for room in [&left, &forgotten] {
        s.invite(room, &bob, &alice, None, false).await.unwrap();
        s.join_room(room, &alice, None, &[]).await.unwrap();
    }
    let mut listed = listed_after_first_sync(s, &alice, async || {
        for room in [&left, &forgotten] {
            s.set_membership(room, &alice, &alice, "leave", None)
                .await
                .unwrap();
        }
        s.forget_room(&forgotten, &alice).unwrap();
    })
    .await;
    assert_eq!(
        listed,
        vec![left.to_string()],
        "the leave is news, the forgotten room is not"
    );
    s.invite(&forgotten, &bob, &alice, None, false)
        .await
        .unwrap();
    s.join_room(&forgotten, &alice, None, &[]).await.unwrap();
    assert!(!s.is_forgotten(&alice, forgotten.as_str()).unwrap());
    listed = s
        .sliding_candidates(&alice, None, &HashSet::new())
        .unwrap()
        .into_iter()
        .map(|c| c.room)
        .collect();
    assert_eq!(
        listed,
        vec![forgotten.to_string()],
        "the join cleared the mark"
    );
}
