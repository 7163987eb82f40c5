//! Notification counts partitioned by thread, cleared by unthreaded,
//! `main` and per-thread receipts as the spec's threaded receipts say.

use std::collections::BTreeMap;

use ruma::{OwnedRoomId, OwnedUserId, RoomVersionId};
use serde_json::json;

use crate::tests::user;
use crate::{
    events::NewEvent,
    rooms::{CreateRoom, Preset},
    tests::fixture,
    Services,
};

async fn send(s: &Services, room: &OwnedRoomId, who: &OwnedUserId, thread: Option<&str>) -> String {
    let mut content = json!({"msgtype": "m.text", "body": "hello"});
    if let Some(root) = thread {
        content["m.relates_to"] = json!({"rel_type": "m.thread", "event_id": root});
    }
    let event = NewEvent::message("m.room.message", content);
    s.append_event(room, who, event)
        .await
        .unwrap()
        .event_id
        .to_string()
}

fn per_thread(
    s: &Services,
    room: &OwnedRoomId,
    user: &OwnedUserId,
    joined: u64,
) -> BTreeMap<String, u64> {
    let counts = s.unread_counts(room, user, joined).unwrap();
    let total: u64 = counts.threads.values().map(|(n, _)| n).sum();
    assert_eq!(
        total, counts.notify,
        "the room total is the sum of the threads"
    );
    counts
        .threads
        .into_iter()
        .map(|(t, (n, _))| (t, n))
        .collect()
}

#[tokio::test]
async fn threaded_receipts_clear_their_own_thread_only() {
    let f = fixture().await;
    let s = &f.services;
    let alice = user(s, "alice").await;
    let bob = user(s, "bob").await;
    let req = CreateRoom {
        preset: Some(Preset::PublicChat),
        room_version: Some(RoomVersionId::V11),
        ..Default::default()
    };
    let room = s.create_room(&alice, req).await.unwrap();
    s.join_room(&room, &bob, None, &[]).await.unwrap();
    let joined = s.membership(&room, &alice).unwrap().unwrap().stream;

    send(s, &room, &bob, None).await;
    let root = send(s, &room, &bob, None).await;
    let t1 = send(s, &room, &bob, Some(&root)).await;
    send(s, &room, &bob, Some(&root)).await;
    let last_main = send(s, &room, &bob, None).await;
    let expect = |pairs: &[(&str, u64)]| -> BTreeMap<String, u64> {
        pairs.iter().map(|(t, n)| (t.to_string(), *n)).collect()
    };
    assert_eq!(
        per_thread(s, &room, &alice, joined),
        expect(&[("main", 3), (&root, 2)])
    );

    s.set_receipt(&room, &alice, "m.read", &t1, Some(&root))
        .unwrap();
    assert_eq!(
        per_thread(s, &room, &alice, joined),
        expect(&[("main", 3), (&root, 1)])
    );

    s.set_receipt(&room, &alice, "m.read.private", &last_main, Some("main"))
        .unwrap();
    assert_eq!(
        per_thread(s, &room, &alice, joined),
        expect(&[(&root, 1)]),
        "main does not clear threads"
    );

    s.set_receipt(&room, &alice, "m.read", &root, None).unwrap();
    assert_eq!(per_thread(s, &room, &alice, joined), expect(&[(&root, 1)]));

    s.set_receipt(&room, &alice, "m.read", &last_main, None)
        .unwrap();
    assert_eq!(
        per_thread(s, &room, &alice, joined),
        expect(&[]),
        "an unthreaded receipt clears everything before it"
    );

    let reply = send(s, &room, &bob, Some(&root)).await;
    assert_eq!(
        per_thread(s, &room, &alice, joined),
        expect(&[(&root, 1)]),
        "counts extend incrementally"
    );
    s.set_receipt(&room, &alice, "m.read", &reply, Some(&root))
        .unwrap();
    assert_eq!(per_thread(s, &room, &alice, joined), expect(&[]));
}
