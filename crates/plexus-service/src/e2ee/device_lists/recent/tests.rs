//! The one-pass read of the global stream gives the rows the per-room
//! timeline walk gives, skips rooms not asked about, and gives way to the
//! walk when the range is busy.

use std::collections::HashSet;

use ruma::{OwnedRoomId, OwnedUserId};
use serde_json::json;

use crate::tests::user;
use crate::{events::NewEvent, rooms::CreateRoom, tests::fixture, Services};

async fn room_inviting(
    s: &Services,
    creator: &OwnedUserId,
    invite: &[&OwnedUserId],
) -> OwnedRoomId {
    let req = CreateRoom {
        invite: invite.iter().map(|u| (*u).clone()).collect(),
        ..Default::default()
    };
    s.create_room(creator, req).await.unwrap()
}

async fn say(s: &Services, room: &OwnedRoomId, sender: &OwnedUserId) {
    let content = json!({ "msgtype": "m.text", "body": "hi" });
    s.append_event(room, sender, NewEvent::message("m.room.message", content))
        .await
        .unwrap();
}

/// (room, user): which membership row.
type MemberKey = (String, String);

/// The keys of the rows each way finds for `room`.
fn both_ways(
    s: &Services,
    rooms: &HashSet<&str>,
    room: &OwnedRoomId,
    since: u64,
) -> (Vec<MemberKey>, Vec<MemberKey>) {
    let current = s.stream.current();
    let recent = s.recent_events(rooms, since, current).unwrap();
    assert!(recent.is_some(), "a quiet range is read from the stream");
    let keys = |rows: Vec<super::MemberRow>| rows.into_iter().map(|(k, _)| k).collect();
    let read = s
        .members_changed(recent.as_ref(), room.as_str(), since, current)
        .unwrap();
    let walked = s.members_changed_in(room.as_str(), since, current).unwrap();
    (keys(read), keys(walked))
}

#[tokio::test]
async fn the_stream_read_finds_what_the_timeline_walk_finds() {
    let f = fixture().await;
    let s = &f.services;
    let alice = user(s, "alice").await;
    let bob = user(s, "bob").await;
    let carol = user(s, "carol").await;
    let with_bob = room_inviting(s, &alice, &[&bob]).await;
    let with_carol = room_inviting(s, &alice, &[&carol]).await;
    let quiet = room_inviting(s, &alice, &[]).await;
    let elsewhere = room_inviting(s, &carol, &[]).await;
    let since = s.stream.current();
    s.join_room(&with_bob, &bob, None, &[]).await.unwrap();
    s.join_room(&with_carol, &carol, None, &[]).await.unwrap();
    say(s, &with_carol, &carol).await;
    say(s, &elsewhere, &carol).await;
    let rooms: HashSet<&str> = [&with_bob, &with_carol, &quiet]
        .into_iter()
        .map(|r| r.as_str())
        .collect();
    let bob_row = (with_bob.to_string(), bob.to_string());
    assert_eq!(
        both_ways(s, &rooms, &with_bob, since),
        (vec![bob_row.clone()], vec![bob_row])
    );
    let carol_row = (with_carol.to_string(), carol.to_string());
    assert_eq!(
        both_ways(s, &rooms, &with_carol, since),
        (vec![carol_row.clone()], vec![carol_row])
    );
    assert_eq!(both_ways(s, &rooms, &quiet, since), (vec![], vec![]));
    let recent = s
        .recent_events(&rooms, since, s.stream.current())
        .unwrap()
        .unwrap();
    assert!(
        !recent.rooms.contains_key(elsewhere.as_str()),
        "not asked about"
    );
    assert_eq!(recent.rooms[with_carol.as_str()].events, 2);
}

#[tokio::test]
async fn a_busy_range_gives_way_to_the_timeline_walk() {
    let f = fixture().await;
    let s = &f.services;
    let alice = user(s, "alice").await;
    let room = room_inviting(s, &alice, &[]).await;
    let since = s.stream.current();
    for _ in 0..3 {
        say(s, &room, &alice).await;
    }
    let rooms: HashSet<&str> = [room.as_str()].into();
    let current = s.stream.current();
    assert!(s
        .recent_events_within(&rooms, since, current, 2)
        .unwrap()
        .is_none());
    let within = s.recent_events_within(&rooms, since, current, 3).unwrap();
    assert_eq!(within.unwrap().rooms[room.as_str()].events, 3);
    let empty = s.recent_events_within(&rooms, current, current, 1).unwrap();
    assert!(empty.unwrap().rooms.is_empty());
}
