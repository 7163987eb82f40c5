//! Profiles (display name propagation into member events), room aliases,
//! the public room list and the user directory.

use std::time::Duration;

use complement_tests::encode::path_segment;
use complement_tests::{json, Client, TestServer};

fn profile_path(user_id: &str, field: &str) -> String {
    format!(
        "/_matrix/client/v3/profile/{}/{field}",
        path_segment(user_id)
    )
}

#[tokio::test]
async fn displayname_round_trip() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let alice = anon.register("alice").await;
    let path = profile_path(&alice.user_id, "displayname");
    alice
        .put(&path, &json!({"displayname": "Alice Liddell"}))
        .await
        .ok();
    assert_eq!(anon.get(&path).await.ok()["displayname"], "Alice Liddell");
    let whole = anon
        .get(&format!(
            "/_matrix/client/v3/profile/{}",
            path_segment(&alice.user_id)
        ))
        .await
        .ok();
    assert_eq!(whole["displayname"], "Alice Liddell");
    let bob = anon.register("bob").await;
    bob.put(&path, &json!({"displayname": "Mallory"}))
        .await
        .assert_error(403, "M_FORBIDDEN");
    anon.get(&profile_path("@nobody:localhost", "displayname"))
        .await
        .assert_error(404, "M_NOT_FOUND");
}

#[tokio::test]
async fn displayname_propagates_to_member_events() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let alice = anon.register("alice").await;
    let bob = anon.register("bob").await;
    let room = alice.create_room(json!({"preset": "public_chat"})).await;
    bob.join(&room).await;
    let since = bob.sync(None, 0, None).await["next_batch"]
        .as_str()
        .expect("next_batch")
        .to_owned();
    let path = profile_path(&alice.user_id, "displayname");
    alice
        .put(&path, &json!({"displayname": "Queen Alice"}))
        .await
        .ok();
    let member = alice
        .get_state(&room, "m.room.member", &alice.user_id)
        .await
        .ok();
    assert_eq!(member["displayname"], "Queen Alice");
    assert_eq!(member["membership"], "join");
    let alice_id = alice.user_id.clone();
    let (content, _) = bob
        .sync_until(Some(&since), Duration::from_secs(10), |body| {
            let events = Client::joined_events(body, &room, "timeline");
            let member = events
                .into_iter()
                .find(|e| e["type"] == "m.room.member" && e["state_key"] == alice_id.as_str());
            member.map(|e| e["content"].clone())
        })
        .await;
    assert_eq!(content["displayname"], "Queen Alice");
}

#[tokio::test]
async fn new_member_event_carries_displayname() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let alice = anon.register("alice").await;
    let bob = anon.register("bob").await;
    bob.put(
        &profile_path(&bob.user_id, "displayname"),
        &json!({"displayname": "Bobby"}),
    )
    .await
    .ok();
    let room = alice.create_room(json!({"preset": "public_chat"})).await;
    bob.join(&room).await;
    let member = alice
        .get_state(&room, "m.room.member", &bob.user_id)
        .await
        .ok();
    assert_eq!(member["displayname"], "Bobby");
}

#[tokio::test]
async fn alias_create_resolve_delete() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let alice = anon.register("alice").await;
    let room = alice.create_room(json!({})).await;
    let path = "/_matrix/client/v3/directory/room/%23hall%3Alocalhost";
    anon.get(path).await.assert_error(404, "M_NOT_FOUND");
    alice.put(path, &json!({"room_id": room})).await.ok();
    let resolved = anon.get(path).await.ok();
    assert_eq!(resolved["room_id"], room.as_str());
    assert!(
        resolved["servers"]
            .as_array()
            .is_some_and(|s| s.iter().any(|x| x == "localhost")),
        "{resolved}"
    );
    let other = alice.create_room(json!({})).await;
    assert_eq!(
        alice.put(path, &json!({"room_id": other})).await.status,
        409
    );
    let aliases = alice
        .get(&complement_tests::rooms::room_path(&room, "aliases"))
        .await
        .ok();
    assert_eq!(aliases["aliases"], json!(["#hall:localhost"]));
    alice.delete(path).await.ok();
    anon.get(path).await.assert_error(404, "M_NOT_FOUND");
}

#[tokio::test]
async fn public_rooms_lists_only_published_rooms() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let alice = anon.register("alice").await;
    let public = alice
        .create_room(json!({"preset": "public_chat", "visibility": "public", "name": "Agora"}))
        .await;
    let private = alice
        .create_room(json!({"preset": "private_chat", "name": "Den"}))
        .await;
    let list = anon.get("/_matrix/client/v3/publicRooms").await.ok();
    let chunk = list["chunk"].as_array().expect("chunk");
    let entry = chunk
        .iter()
        .find(|r| r["room_id"] == public.as_str())
        .expect("public room listed");
    assert_eq!(entry["name"], "Agora");
    assert_eq!(entry["num_joined_members"], 1);
    assert!(
        chunk.iter().all(|r| r["room_id"] != private.as_str()),
        "private room listed"
    );
    let visibility_path = format!(
        "/_matrix/client/v3/directory/list/room/{}",
        path_segment(&public)
    );
    assert_eq!(
        anon.get(&visibility_path).await.ok()["visibility"],
        "public"
    );
    alice
        .put(&visibility_path, &json!({"visibility": "private"}))
        .await
        .ok();
    let list = anon.get("/_matrix/client/v3/publicRooms").await.ok();
    assert!(list["chunk"]
        .as_array()
        .expect("chunk")
        .iter()
        .all(|r| r["room_id"] != public.as_str()));
}

#[tokio::test]
async fn user_directory_finds_room_mates() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let alice = anon.register("alice").await;
    let bob = anon.register("bob").await;
    alice
        .put(
            &profile_path(&alice.user_id, "displayname"),
            &json!({"displayname": "Alice Liddell"}),
        )
        .await
        .ok();
    let room = alice.create_room(json!({"preset": "public_chat"})).await;
    bob.join(&room).await;
    let search = json!({"search_term": "liddell", "limit": 10});
    let found = bob
        .post("/_matrix/client/v3/user_directory/search", &search)
        .await
        .ok();
    let results = found["results"].as_array().expect("results");
    let hit = results
        .iter()
        .find(|r| r["user_id"] == alice.user_id.as_str())
        .expect("alice found");
    assert_eq!(hit["display_name"], "Alice Liddell");
    assert!(found["limited"].is_boolean());
    let none = bob
        .post(
            "/_matrix/client/v3/user_directory/search",
            &json!({"search_term": "zzzz"}),
        )
        .await
        .ok();
    assert_eq!(none["results"], json!([]));
}

#[tokio::test]
async fn user_directory_search_by_localpart() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let alice = anon.register("alice").await;
    let bob = anon.register("bob").await;
    let room = alice.create_room(json!({"preset": "public_chat"})).await;
    bob.join(&room).await;
    let found = bob
        .post(
            "/_matrix/client/v3/user_directory/search",
            &json!({"search_term": "ali"}),
        )
        .await
        .ok();
    let ids: Vec<&str> = found["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["user_id"].as_str())
        .collect();
    assert!(ids.contains(&alice.user_id.as_str()), "{found}");
}

#[tokio::test]
async fn public_rooms_paginate_and_filter() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    for name in ["Apples", "Bananas", "Cherries", "Dates", "Elderberries"] {
        let body = json!({"preset": "public_chat", "visibility": "public", "name": name});
        alice.create_room(body).await;
    }
    let mut names = Vec::new();
    let mut since: Option<String> = None;
    for _ in 0..10 {
        let mut body = json!({"limit": 2});
        if let Some(since) = &since {
            body["since"] = json!(since);
        }
        let page = alice
            .post("/_matrix/client/v3/publicRooms", &body)
            .await
            .ok();
        let chunk = page["chunk"].as_array().expect("chunk");
        assert!(chunk.len() <= 2, "limit ignored: {page}");
        names.extend(
            chunk
                .iter()
                .filter_map(|r| r["name"].as_str().map(str::to_owned)),
        );
        match page["next_batch"].as_str() {
            Some(next) => since = Some(next.to_owned()),
            None => break,
        }
    }
    names.sort();
    assert_eq!(
        names,
        ["Apples", "Bananas", "Cherries", "Dates", "Elderberries"]
    );
    let filter = json!({"filter": {"generic_search_term": "berr"}});
    let found = alice
        .post("/_matrix/client/v3/publicRooms", &filter)
        .await
        .ok();
    let found: Vec<&str> = found["chunk"]
        .as_array()
        .expect("chunk")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(found, ["Elderberries"]);
}

#[tokio::test]
async fn avatar_url_propagates_to_member_events() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let room = alice.create_room(json!({})).await;
    let path = profile_path(&alice.user_id, "avatar_url");
    alice
        .put(&path, &json!({"avatar_url": "mxc://localhost/abcdef"}))
        .await
        .ok();
    assert_eq!(
        alice.get(&path).await.ok()["avatar_url"],
        "mxc://localhost/abcdef"
    );
    let member = alice
        .get_state(&room, "m.room.member", &alice.user_id)
        .await
        .ok();
    assert_eq!(member["avatar_url"], "mxc://localhost/abcdef");
}

#[tokio::test]
async fn localpart_with_slash_and_plus_works_in_paths() {
    let server = TestServer::start_default().await;
    let odd = server.client().register("team/ops+1=x").await;
    assert_eq!(odd.user_id, "@team/ops+1=x:localhost");
    assert_eq!(odd.whoami().await, odd.user_id);
    let path = profile_path(&odd.user_id, "displayname");
    odd.put(&path, &json!({"displayname": "Odd 🦀 Ünïcode"}))
        .await
        .ok();
    assert_eq!(
        server.client().get(&path).await.ok()["displayname"],
        "Odd 🦀 Ünïcode"
    );
    let room = odd.create_room(json!({"name": "Zimmer 🏠"})).await;
    let member = odd
        .get_state(&room, "m.room.member", &odd.user_id)
        .await
        .ok();
    assert_eq!(member["displayname"], "Odd 🦀 Ünïcode");
    assert_eq!(
        odd.get_state(&room, "m.room.name", "").await.ok()["name"],
        "Zimmer 🏠"
    );
}

#[tokio::test]
async fn canonical_alias_must_point_to_the_room() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let room = alice.create_room(json!({})).await;
    let other = alice
        .create_room(json!({"room_alias_name": "elsewhere"}))
        .await;
    assert_ne!(room, other);
    let path = complement_tests::rooms::room_path(&room, "state/m.room.canonical_alias/");
    let wrong = alice
        .put(&path, &json!({"alias": "#elsewhere:localhost"}))
        .await;
    wrong.assert_error(400, "M_BAD_ALIAS");
    let invalid = alice.put(&path, &json!({"alias": "not an alias"})).await;
    invalid.assert_error(400, "M_INVALID_PARAM");
    alice
        .put(
            "/_matrix/client/v3/directory/room/%23here%3Alocalhost",
            &json!({"room_id": room}),
        )
        .await
        .ok();
    alice
        .put(&path, &json!({"alias": "#here:localhost"}))
        .await
        .ok();
}
