//! Search: matches in joined rooms only, visible events only, paging.

use ruma::RoomVersionId;
use serde_json::json;

use super::SearchQuery;
use crate::tests::user;
use crate::{
    events::NewEvent,
    rooms::{CreateRoom, Preset},
    tests::fixture,
    timeline::Viewer,
};

fn text(body: &str) -> NewEvent {
    NewEvent::message("m.room.message", json!({"msgtype": "m.text", "body": body}))
}

fn search(term: &str) -> SearchQuery {
    SearchQuery {
        term: term.into(),
        ..SearchQuery::default()
    }
}

#[tokio::test]
async fn search_finds_only_visible_events_of_joined_rooms() {
    let f = fixture().await;
    let s = &f.services;
    let alice = user(s, "alice").await;
    let bob = user(s, "bob").await;
    let joined = |preset| CreateRoom {
        preset: Some(preset),
        room_version: Some(RoomVersionId::V11),
        ..Default::default()
    };
    let shared = s
        .create_room(&alice, joined(Preset::PrivateChat))
        .await
        .unwrap();
    s.append_event(
        &shared,
        &alice,
        NewEvent::state(
            "m.room.history_visibility",
            "",
            json!({"history_visibility": "joined"}),
        ),
    )
    .await
    .unwrap();
    s.append_event(&shared, &alice, text("Secret FOX before bob"))
        .await
        .unwrap();
    s.invite(&shared, &alice, &bob, None, false).await.unwrap();
    s.join_room(&shared, &bob, None, &[]).await.unwrap();
    s.append_event(&shared, &alice, text("the quick brown fox"))
        .await
        .unwrap();
    s.append_event(&shared, &alice, text("lazy dogs"))
        .await
        .unwrap();
    let private = s
        .create_room(&alice, joined(Preset::PrivateChat))
        .await
        .unwrap();
    s.append_event(&private, &alice, text("alice's own fox"))
        .await
        .unwrap();

    let bob_view = Viewer {
        user: &bob,
        device: None,
    };
    let page = s.search_room_events(bob_view, &search("Fox")).unwrap();
    let bodies: Vec<_> = page
        .results
        .iter()
        .map(|h| h.event["content"]["body"].clone())
        .collect();
    assert_eq!(bodies, [json!("the quick brown fox")]);

    let alice_view = Viewer {
        user: &alice,
        device: None,
    };
    let all = s.search_room_events(alice_view, &search("fox")).unwrap();
    assert_eq!(all.count, 3);
    assert_eq!(
        all.results[0].event["content"]["body"], "alice's own fox",
        "newest first"
    );

    let mut paged = search("fox");
    paged.filter.limit = Some(2);
    let first = s.search_room_events(alice_view, &paged).unwrap();
    assert_eq!(first.results.len(), 2);
    paged.next_batch = first.next_batch;
    let second = s.search_room_events(alice_view, &paged).unwrap();
    assert_eq!(second.results.len(), 1);
    assert_eq!(
        second.results[0].event["content"]["body"],
        "Secret FOX before bob"
    );
    assert!(s
        .search_room_events(alice_view, &search("quick dogs"))
        .unwrap()
        .results
        .is_empty());
}
