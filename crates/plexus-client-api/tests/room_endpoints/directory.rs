//! Aliases, the public room list and its visibility switch, the user directory.

use http::Method;
use serde_json::{json, Value};

use crate::{
    common::{seg, v3, TestServer, User},
    helpers::{create_room, room_path, shared_public_room},
};

fn alias_path(alias: &str) -> String {
    v3(&format!("/directory/room/{}", seg(alias)))
}

fn visibility_path(room_id: &str) -> String {
    v3(&format!("/directory/list/room/{}", seg(room_id)))
}

fn listed_ids(list: &Value) -> Vec<String> {
    let chunk = list["chunk"].as_array().expect("chunk");
    chunk
        .iter()
        .filter_map(|r| r["room_id"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn alias_create_resolve_list_delete() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    let room = create_room(&server, &alice, json!({ "preset": "private_chat" })).await;
    let path = alias_path("#hall:localhost");
    server
        .call(Method::GET, &path, None, None)
        .await
        .error(404, "M_NOT_FOUND");
    server
        .put(&alice, &path, &json!({ "room_id": room }))
        .await
        .ok();
    let resolved = server.call(Method::GET, &path, None, None).await.ok();
    assert_eq!(resolved["room_id"], room.as_str());
    assert_eq!(resolved["servers"], json!(["localhost"]));
    let other = create_room(&server, &alice, json!({})).await;
    server
        .put(&alice, &path, &json!({ "room_id": other }))
        .await
        .error(409, "M_UNKNOWN");
    let aliases = server.get(&alice, &room_path(&room, "aliases")).await.ok();
    assert_eq!(aliases["aliases"], json!(["#hall:localhost"]));
    server
        .get(&bob, &room_path(&room, "aliases"))
        .await
        .error(403, "M_FORBIDDEN");
    server
        .delete(&bob, &path, None)
        .await
        .error(403, "M_FORBIDDEN");
    server.delete(&alice, &path, None).await.ok();
    server
        .call(Method::GET, &path, None, None)
        .await
        .error(404, "M_NOT_FOUND");
    server
        .delete(&alice, &path, None)
        .await
        .error(404, "M_NOT_FOUND");
}

#[tokio::test]
async fn alias_creation_is_checked() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    let room = create_room(&server, &alice, json!({ "preset": "private_chat" })).await;
    let body = json!({ "room_id": room });
    server
        .put(&alice, &alias_path("#far:elsewhere.org"), &body)
        .await
        .error(400, "M_INVALID_PARAM");
    server
        .put(&bob, &alias_path("#squat:localhost"), &body)
        .await
        .error(403, "M_FORBIDDEN");
    let unknown = json!({ "room_id": "!unknown:localhost" });
    server
        .put(&alice, &alias_path("#ghost:localhost"), &unknown)
        .await
        .error(404, "M_NOT_FOUND");
}

#[tokio::test]
async fn world_readable_room_aliases_are_public() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    let room = create_room(&server, &alice, json!({ "preset": "public_chat" })).await;
    let visibility = json!({ "history_visibility": "world_readable" });
    server
        .put(
            &alice,
            &room_path(&room, "state/m.room.history_visibility/"),
            &visibility,
        )
        .await
        .ok();
    server
        .put(
            &alice,
            &alias_path("#open:localhost"),
            &json!({ "room_id": room }),
        )
        .await
        .ok();
    let aliases = server.get(&bob, &room_path(&room, "aliases")).await.ok();
    assert_eq!(aliases["aliases"], json!(["#open:localhost"]));
}

#[tokio::test]
async fn public_rooms_lists_published_rooms_with_search_and_paging() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let published = json!({ "preset": "public_chat", "visibility": "public", "name": "Agora" });
    let agora = create_room(&server, &alice, published).await;
    let forum = create_room(
        &server,
        &alice,
        json!({ "visibility": "public", "topic": "forum talk" }),
    )
    .await;
    let hidden = create_room(&server, &alice, json!({ "name": "Den" })).await;
    let list = server
        .call(Method::GET, &v3("/publicRooms"), None, None)
        .await
        .ok();
    let ids = listed_ids(&list);
    assert!(
        ids.contains(&agora) && ids.contains(&forum) && !ids.contains(&hidden),
        "{list}"
    );
    assert_eq!(list["total_room_count_estimate"], 2);
    let search = json!({ "filter": { "generic_search_term": "agora" } });
    let found = server.post(&alice, &v3("/publicRooms"), &search).await.ok();
    assert_eq!(listed_ids(&found), vec![agora.clone()], "{found}");
    assert_eq!(found["chunk"][0]["name"], "Agora");
    let first = server
        .call(Method::GET, &v3("/publicRooms?limit=1"), None, None)
        .await
        .ok();
    assert_eq!(listed_ids(&first).len(), 1);
    let next = first["next_batch"].as_str().expect("next_batch");
    let second = server
        .post(
            &alice,
            &v3("/publicRooms"),
            &json!({ "limit": 1, "since": next }),
        )
        .await
        .ok();
    assert_eq!(listed_ids(&second).len(), 1);
    assert_ne!(listed_ids(&first), listed_ids(&second));
    assert!(
        second["next_batch"].is_null() && second["prev_batch"].is_string(),
        "{second}"
    );
    let bad = v3("/publicRooms?since=garbage");
    server
        .call(Method::GET, &bad, None, None)
        .await
        .error(400, "M_INVALID_PARAM");
}

#[tokio::test]
async fn visibility_is_read_by_anyone_and_set_by_the_creator() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    let room = shared_public_room(&server, &alice, &bob).await;
    let path = visibility_path(&room);
    let read = server.call(Method::GET, &path, None, None).await.ok();
    assert_eq!(read["visibility"], "private");
    server
        .put(&bob, &path, &json!({ "visibility": "public" }))
        .await
        .error(403, "M_FORBIDDEN");
    server
        .put(&alice, &path, &json!({ "visibility": "public" }))
        .await
        .ok();
    assert_eq!(
        server.call(Method::GET, &path, None, None).await.ok()["visibility"],
        "public"
    );
    let list = server
        .call(Method::GET, &v3("/publicRooms"), None, None)
        .await
        .ok();
    assert_eq!(listed_ids(&list), vec![room.clone()]);
    server
        .put(&alice, &path, &json!({ "visibility": "private" }))
        .await
        .ok();
    let list = server
        .call(Method::GET, &v3("/publicRooms"), None, None)
        .await
        .ok();
    assert!(listed_ids(&list).is_empty(), "{list}");
    let unknown = visibility_path("!unknown:localhost");
    server
        .call(Method::GET, &unknown, None, None)
        .await
        .error(404, "M_NOT_FOUND");
}

#[tokio::test]
async fn user_search_sees_room_mates_not_strangers() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    let hermit = server.register("hermit").await;
    create_room(&server, &hermit, json!({ "preset": "private_chat" })).await;
    shared_public_room(&server, &alice, &bob).await;
    let search = |term: &str| json!({ "search_term": term, "limit": 10 });
    let path = v3("/user_directory/search");
    let found = server.post(&bob, &path, &search("ali")).await.ok();
    let hit = &found["results"][0];
    assert_eq!(hit["user_id"], alice.user_id.as_str(), "{found}");
    assert_eq!(hit["display_name"], "alice");
    assert_eq!(found["limited"], false);
    let none = server.post(&bob, &path, &search("hermit")).await.ok();
    assert_eq!(none["results"], json!([]), "{none}");
    let limited = server
        .post(&bob, &path, &json!({ "search_term": "", "limit": 1 }))
        .await
        .ok();
    assert_eq!(limited["limited"], true, "{limited}");
}

/// A server admin may publish any room; a fresh harness keeps the admin account out of the others.
#[tokio::test]
async fn server_admin_may_publish_any_room() {
    let (server, admin) = admin_harness().await;
    let alice = server.register("alice").await;
    let room = create_room(&server, &alice, json!({ "preset": "private_chat" })).await;
    server
        .put(
            &admin,
            &visibility_path(&room),
            &json!({ "visibility": "public" }),
        )
        .await
        .ok();
    let read = server
        .call(Method::GET, &visibility_path(&room), None, None)
        .await
        .ok();
    assert_eq!(read["visibility"], "public");
}

/// A harness server plus an admin session made directly through the services.
async fn admin_harness() -> (TestServer, User) {
    let (server, services) = TestServer::with_services();
    let user_id = services
        .create_user("root", None, true)
        .await
        .expect("admin created");
    let session = services
        .login(&user_id, Default::default())
        .expect("admin login");
    let admin = User {
        user_id: user_id.to_string(),
        device_id: session.device_id,
        token: session.access_token,
    };
    (server, admin)
}
