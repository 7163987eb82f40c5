//! Space hierarchies: the walk, visibility, `max_depth`, `suggested_only`,
//! and `limit`/`from` paging.

use ruma::{OwnedRoomId, OwnedUserId, UserId};
use serde_json::{json, Value};

use super::{HierarchyPage, HierarchyQuery};
use crate::tests::user;
use crate::{
    events::NewEvent,
    rooms::{CreateRoom, Preset},
    tests::fixture,
    ServiceError, Services,
};

async fn room(s: &Services, creator: &UserId, preset: Preset, space: bool) -> OwnedRoomId {
    let creation_content = space.then(|| json!({"type": "m.space"}).as_object().unwrap().clone());
    let req = CreateRoom {
        preset: Some(preset),
        creation_content,
        ..Default::default()
    };
    s.create_room(creator, req).await.unwrap()
}

async fn add_child(
    s: &Services,
    sender: &UserId,
    space: &OwnedRoomId,
    child: &OwnedRoomId,
    content: Value,
) {
    let event = NewEvent::state("m.space.child", child.as_str(), content);
    s.append_event(space, sender, event).await.unwrap();
}

fn ids(page: &HierarchyPage) -> Vec<String> {
    page.rooms
        .iter()
        .map(|r| r["room_id"].as_str().unwrap().to_owned())
        .collect()
}

fn query(max_depth: Option<u64>, limit: Option<u64>, from: Option<String>) -> HierarchyQuery {
    HierarchyQuery {
        from,
        limit,
        max_depth,
        suggested_only: false,
    }
}

struct Tree {
    space: OwnedRoomId,
    public: OwnedRoomId,
    private: OwnedRoomId,
    subspace: OwnedRoomId,
    grandchild: OwnedRoomId,
}

/// space → (public "a", private "b", subspace "c" → grandchild), plus a removed child.
async fn tree(s: &Services, alice: &OwnedUserId) -> Tree {
    let space = room(s, alice, Preset::PublicChat, true).await;
    let public = room(s, alice, Preset::PublicChat, false).await;
    let private = room(s, alice, Preset::PrivateChat, false).await;
    let subspace = room(s, alice, Preset::PublicChat, true).await;
    let grandchild = room(s, alice, Preset::PublicChat, false).await;
    let removed = room(s, alice, Preset::PublicChat, false).await;
    add_child(
        s,
        alice,
        &space,
        &public,
        json!({"via": ["localhost"], "order": "a", "suggested": true}),
    )
    .await;
    add_child(
        s,
        alice,
        &space,
        &private,
        json!({"via": ["localhost"], "order": "b"}),
    )
    .await;
    add_child(
        s,
        alice,
        &space,
        &subspace,
        json!({"via": ["localhost"], "order": "c"}),
    )
    .await;
    add_child(s, alice, &space, &removed, json!({"via": []})).await;
    add_child(
        s,
        alice,
        &subspace,
        &grandchild,
        json!({"via": ["localhost"]}),
    )
    .await;
    Tree {
        space,
        public,
        private,
        subspace,
        grandchild,
    }
}

#[tokio::test]
async fn hierarchy_walks_children_and_skips_invisible_rooms() {
    let f = fixture().await;
    let s = &f.services;
    let alice = user(s, "alice").await;
    let bob = user(s, "bob").await;
    let t = tree(s, &alice).await;

    let page = s
        .space_hierarchy(&t.space, &bob, HierarchyQuery::default())
        .await
        .unwrap();
    let want = [&t.space, &t.public, &t.subspace, &t.grandchild].map(|r| r.to_string());
    assert_eq!(ids(&page), want, "bob does not see the private room");
    assert!(page.next_batch.is_none());
    let root = &page.rooms[0];
    assert_eq!(root["room_type"], "m.space");
    let children = root["children_state"].as_array().unwrap();
    let keys: Vec<_> = children
        .iter()
        .map(|c| c["state_key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [t.public.as_str(), t.private.as_str(), t.subspace.as_str()]
    );
    assert!(children
        .iter()
        .all(|c| c["origin_server_ts"].is_u64() && c["type"] == "m.space.child"));
    assert_eq!(page.rooms[1]["children_state"], json!([]), "not a space");

    let page = s
        .space_hierarchy(&t.space, &alice, HierarchyQuery::default())
        .await
        .unwrap();
    assert!(
        ids(&page).contains(&t.private.to_string()),
        "alice is joined to it"
    );

    let private_root = s
        .space_hierarchy(&t.private, &bob, HierarchyQuery::default())
        .await
        .unwrap_err();
    assert!(
        matches!(private_root, ServiceError::Forbidden(_)),
        "{private_root:?}"
    );

    let suggested = HierarchyQuery {
        suggested_only: true,
        ..Default::default()
    };
    let page = s.space_hierarchy(&t.space, &bob, suggested).await.unwrap();
    assert_eq!(ids(&page), [t.space.to_string(), t.public.to_string()]);
}

#[tokio::test]
async fn hierarchy_honours_max_depth_and_pages() {
    let f = fixture().await;
    let s = &f.services;
    let alice = user(s, "alice").await;
    let bob = user(s, "bob").await;
    let t = tree(s, &alice).await;

    let page = s
        .space_hierarchy(&t.space, &bob, query(Some(0), None, None))
        .await
        .unwrap();
    assert_eq!(ids(&page), [t.space.to_string()]);
    let page = s
        .space_hierarchy(&t.space, &bob, query(Some(1), None, None))
        .await
        .unwrap();
    assert_eq!(
        ids(&page),
        [&t.space, &t.public, &t.subspace].map(|r| r.to_string())
    );

    let first = s
        .space_hierarchy(&t.space, &bob, query(None, Some(2), None))
        .await
        .unwrap();
    assert_eq!(ids(&first), [t.space.to_string(), t.public.to_string()]);
    let token = first.next_batch.expect("more rooms follow");
    let second = s
        .space_hierarchy(&t.space, &bob, query(None, Some(2), Some(token.clone())))
        .await
        .unwrap();
    assert_eq!(
        ids(&second),
        [t.subspace.to_string(), t.grandchild.to_string()]
    );
    assert!(second.next_batch.is_none(), "the walk is exhausted");

    let changed = s
        .space_hierarchy(&t.space, &bob, query(Some(1), Some(2), Some(token)))
        .await
        .unwrap_err();
    assert!(
        matches!(changed, ServiceError::InvalidParam(_)),
        "{changed:?}"
    );
    let bogus = s
        .space_hierarchy(&t.space, &bob, query(None, None, Some("nope".into())))
        .await
        .unwrap_err();
    assert!(matches!(bogus, ServiceError::InvalidParam(_)), "{bogus:?}");
    let zero = s
        .space_hierarchy(&t.space, &bob, query(None, Some(0), None))
        .await
        .unwrap_err();
    assert!(matches!(zero, ServiceError::InvalidParam(_)), "{zero:?}");
}
