//! Relations: indexing on persist, rel_type and event type filters, paging, recursion, visibility.

use plexus_storage::Direction;
use ruma::RoomVersionId;
use serde_json::json;

use super::RelationsQuery;
use crate::tests::user;
use crate::{events::NewEvent, rooms::CreateRoom, tests::fixture, timeline::Viewer};

fn reaction(target: &str, key: &str) -> NewEvent {
    let relates =
        json!({"m.relates_to": {"rel_type": "m.annotation", "event_id": target, "key": key}});
    NewEvent::message("m.reaction", relates)
}

fn query(rel_type: Option<&str>, from: Option<u64>, limit: usize) -> RelationsQuery {
    RelationsQuery {
        rel_type: rel_type.map(str::to_owned),
        event_type: None,
        from,
        to: None,
        direction: Direction::Backward,
        limit,
        recurse: false,
    }
}

#[tokio::test]
async fn relations_are_indexed_filtered_and_paged() {
    let f = fixture().await;
    let s = &f.services;
    let alice = user(s, "alice").await;
    let bob = user(s, "bob").await;
    let req = CreateRoom {
        room_version: Some(RoomVersionId::V11),
        ..Default::default()
    };
    let room = s.create_room(&alice, req).await.unwrap();
    let text = NewEvent::message("m.room.message", json!({"msgtype": "m.text", "body": "hi"}));
    let target = s
        .append_event(&room, &alice, text)
        .await
        .unwrap()
        .event_id
        .to_string();
    let mut reactions = Vec::new();
    for key in ["a", "b", "c"] {
        reactions.push(
            s.append_event(&room, &alice, reaction(&target, key))
                .await
                .unwrap()
                .event_id
                .to_string(),
        );
    }
    let thread = json!({"body": "in thread", "msgtype": "m.text", "m.relates_to": {"rel_type": "m.thread", "event_id": target}});
    let reply = s
        .append_event(&room, &alice, NewEvent::message("m.room.message", thread))
        .await
        .unwrap();
    s.append_event(&room, &alice, reaction(reply.event_id.as_str(), "d"))
        .await
        .unwrap();
    let viewer = Viewer {
        user: &alice,
        device: None,
    };

    let all = s
        .relations(viewer, &room, &target, &query(None, None, 10))
        .unwrap();
    assert_eq!(all.chunk.len(), 4);
    assert_eq!(
        all.chunk[0]["event_id"],
        reply.event_id.as_str(),
        "newest first"
    );
    assert!(all.next_batch.is_none());

    let first = s
        .relations(
            viewer,
            &room,
            &target,
            &query(Some("m.annotation"), None, 2),
        )
        .unwrap();
    let ids: Vec<_> = first
        .chunk
        .iter()
        .map(|e| e["event_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, [reactions[2].clone(), reactions[1].clone()]);
    let second = s
        .relations(
            viewer,
            &room,
            &target,
            &query(Some("m.annotation"), first.next_batch, 2),
        )
        .unwrap();
    assert_eq!(second.chunk.len(), 1);
    assert_eq!(second.chunk[0]["event_id"], reactions[0].as_str());

    let mut recursive = query(Some("m.annotation"), None, 10);
    recursive.recurse = true;
    let deep = s.relations(viewer, &room, &target, &recursive).unwrap();
    assert_eq!(
        deep.chunk.len(),
        3,
        "the reaction to the thread reply is reached only through an m.thread event, \
         which the rel_type filter rejects"
    );
    let mut unfiltered = query(None, None, 10);
    unfiltered.recurse = true;
    let deep = s.relations(viewer, &room, &target, &unfiltered).unwrap();
    assert_eq!(
        deep.chunk.len(),
        5,
        "recursion reaches the reaction to the reply"
    );
    assert_eq!(deep.recursion_depth, Some(super::MAX_RECURSION_DEPTH));

    let outsider = Viewer {
        user: &bob,
        device: None,
    };
    assert!(s
        .relations(outsider, &room, &target, &query(None, None, 10))
        .is_err());
}
