//! The query endpoints for other servers, in process: alias resolution,
//! the public room list (paging and search), OpenID userinfo and the
//! federation space hierarchy.

use plexus_service::{
    events::NewEvent,
    rooms::{CreateRoom, Preset},
    Services,
};
use ruma::{OwnedRoomId, OwnedUserId, UserId};
use serde_json::json;

use crate::test_origin::{enc, Harness};

async fn alice(s: &Services) -> OwnedUserId {
    s.create_user("alice", Some("password123"), false)
        .await
        .unwrap()
}

async fn room(
    s: &Services,
    alice: &UserId,
    preset: Preset,
    name: &str,
    space: bool,
) -> OwnedRoomId {
    let creation_content = space.then(|| json!({"type": "m.space"}).as_object().unwrap().clone());
    let request = CreateRoom {
        preset: Some(preset),
        name: Some(name.to_owned()),
        creation_content,
        ..Default::default()
    };
    s.create_room(alice, request).await.unwrap()
}

#[tokio::test]
async fn query_directory_resolves_local_aliases_with_the_servers_in_the_room() {
    let h = Harness::new();
    let s = &h.services;
    let alice = alice(s).await;
    let room_id = room(s, &alice, Preset::PublicChat, "Lobby", false).await;
    s.add_alias("#lobby:localhost", &room_id, &alice).unwrap();
    let uri = format!(
        "/_matrix/federation/v1/query/directory?room_alias={}",
        enc("#lobby:localhost")
    );
    let (status, body) = h.call("GET", &uri, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"room_id": room_id, "servers": ["localhost"]}));
    let uri = format!(
        "/_matrix/federation/v1/query/directory?room_alias={}",
        enc("#nope:localhost")
    );
    let (status, body) = h.call("GET", &uri, None).await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (404, Some("M_NOT_FOUND"))
    );
}

#[tokio::test]
async fn public_rooms_pages_and_searches_published_rooms() {
    let h = Harness::new();
    let s = &h.services;
    let alice = alice(s).await;
    for name in ["Apples", "Bananas", "Cherries"] {
        let room_id = room(s, &alice, Preset::PublicChat, name, false).await;
        s.set_room_public(&room_id, true).unwrap();
    }
    room(s, &alice, Preset::PublicChat, "Unlisted", false).await;
    let (status, page) = h
        .call("GET", "/_matrix/federation/v1/publicRooms?limit=2", None)
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["chunk"].as_array().unwrap().len(), 2);
    assert_eq!(page["total_room_count_estimate"], 3);
    let next = page["next_batch"].as_str().unwrap();
    let uri = format!("/_matrix/federation/v1/publicRooms?limit=2&since={next}");
    let (_, rest) = h.call("GET", &uri, None).await;
    assert_eq!(rest["chunk"].as_array().unwrap().len(), 1);
    assert!(rest.get("next_batch").is_none());
    assert!(rest["prev_batch"].is_string());

    let search = json!({"filter": {"generic_search_term": "banan"}, "limit": 10});
    let (status, found) = h
        .call("POST", "/_matrix/federation/v1/publicRooms", Some(search))
        .await;
    assert_eq!(status, 200, "{found}");
    let names: Vec<&str> = found["chunk"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Bananas"]);
}

#[tokio::test]
async fn openid_userinfo_names_the_user_of_a_token_and_refuses_others() {
    let h = Harness::new();
    let alice = alice(&h.services).await;
    let (token, _) = h.services.issue_openid_token(&alice).unwrap();
    let path = format!("/_matrix/federation/v1/openid/userinfo?access_token={token}");
    let known = h.call("GET", &path, None).await;
    assert_eq!((known.0, &known.1["sub"]), (200, &json!(alice)));
    let unknown = h
        .call(
            "GET",
            "/_matrix/federation/v1/openid/userinfo?access_token=abc",
            None,
        )
        .await;
    assert_eq!(
        (unknown.0, unknown.1["errcode"].as_str()),
        (401, Some("M_UNKNOWN_TOKEN"))
    );
}

#[tokio::test]
async fn hierarchy_lists_children_the_server_could_join_and_the_rest_as_inaccessible() {
    let h = Harness::new();
    let s = &h.services;
    let alice = alice(s).await;
    let space = room(s, &alice, Preset::PublicChat, "Space", true).await;
    let public = room(s, &alice, Preset::PublicChat, "Public", false).await;
    let private = room(s, &alice, Preset::PrivateChat, "Private", false).await;
    for child in [&public, &private] {
        let event = NewEvent::state(
            "m.space.child",
            child.as_str(),
            json!({"via": ["localhost"]}),
        );
        s.append_event(&space, &alice, event).await.unwrap();
    }
    let uri = format!("/_matrix/federation/v1/hierarchy/{}", enc(space.as_str()));
    let (status, body) = h.call("GET", &uri, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["room"]["room_id"], space.as_str());
    assert_eq!(body["room"]["children_state"].as_array().unwrap().len(), 2);
    let children: Vec<&str> = body["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["room_id"].as_str().unwrap())
        .collect();
    assert_eq!(children, [public.as_str()]);
    assert_eq!(body["inaccessible_children"], json!([private]));

    let uri = format!("/_matrix/federation/v1/hierarchy/{}", enc(private.as_str()));
    let (status, _) = h.call("GET", &uri, None).await;
    assert_eq!(status, 404);
}
