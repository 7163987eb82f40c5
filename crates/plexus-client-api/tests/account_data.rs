//! Account data and room tags through the router: round trips, 404 for unset
//! types, 403 for another user's data, 405 for server-managed types.

mod common;

use common::{seg, v3, TestServer, User};
use serde_json::json;

fn global_path(user: &User, kind: &str) -> String {
    v3(&format!("/user/{}/account_data/{kind}", seg(&user.user_id)))
}

fn room_path(user: &User, room_id: &str, rest: &str) -> String {
    v3(&format!(
        "/user/{}/rooms/{}/{rest}",
        seg(&user.user_id),
        seg(room_id)
    ))
}

#[tokio::test]
async fn global_account_data_round_trip() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let path = global_path(&alice, "org.example.settings");
    server.get(&alice, &path).await.error(404, "M_NOT_FOUND");
    server
        .put(&alice, &path, &json!({ "theme": "dark" }))
        .await
        .ok();
    assert_eq!(
        server.get(&alice, &path).await.ok(),
        json!({ "theme": "dark" })
    );
    server
        .put(&alice, &path, &json!({ "theme": "light" }))
        .await
        .ok();
    assert_eq!(
        server.get(&alice, &path).await.ok(),
        json!({ "theme": "light" })
    );
}

#[tokio::test]
async fn room_account_data_round_trip_is_per_room() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let room = server.create_room(&alice, json!({})).await;
    let other_room = server.create_room(&alice, json!({})).await;
    let path = room_path(&alice, &room, "account_data/org.example.pinned");
    server
        .put(&alice, &path, &json!({ "pinned": true }))
        .await
        .ok();
    assert_eq!(
        server.get(&alice, &path).await.ok(),
        json!({ "pinned": true })
    );
    let elsewhere = room_path(&alice, &other_room, "account_data/org.example.pinned");
    server
        .get(&alice, &elsewhere)
        .await
        .error(404, "M_NOT_FOUND");
    // Room data is not global data of the same type.
    server
        .get(&alice, &global_path(&alice, "org.example.pinned"))
        .await
        .error(404, "M_NOT_FOUND");
}

#[tokio::test]
async fn another_users_account_data_is_forbidden() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    let room = server.create_room(&alice, json!({})).await;
    let global = global_path(&alice, "org.example.x");
    server.put(&alice, &global, &json!({ "a": 1 })).await.ok();
    server
        .put(&bob, &global, &json!({ "a": 2 }))
        .await
        .error(403, "M_FORBIDDEN");
    server.get(&bob, &global).await.error(403, "M_FORBIDDEN");
    let per_room = room_path(&alice, &room, "account_data/org.example.x");
    server
        .put(&bob, &per_room, &json!({ "a": 2 }))
        .await
        .error(403, "M_FORBIDDEN");
    server.get(&bob, &per_room).await.error(403, "M_FORBIDDEN");
    assert_eq!(server.get(&alice, &global).await.ok(), json!({ "a": 1 }));
}

#[tokio::test]
async fn server_managed_types_are_refused() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let room = server.create_room(&alice, json!({})).await;
    let push_rules = global_path(&alice, "m.push_rules");
    server
        .put(&alice, &push_rules, &json!({}))
        .await
        .error(405, "M_BAD_JSON");
    let fully_read = room_path(&alice, &room, "account_data/m.fully_read");
    server
        .put(&alice, &fully_read, &json!({ "event_id": "$x" }))
        .await
        .error(405, "M_BAD_JSON");
    let global_fully_read = global_path(&alice, "m.fully_read");
    server
        .put(&alice, &global_fully_read, &json!({ "event_id": "$x" }))
        .await
        .error(405, "M_BAD_JSON");
}

#[tokio::test]
async fn account_data_must_be_an_object() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let path = global_path(&alice, "org.example.list");
    server
        .put(&alice, &path, &json!([1, 2]))
        .await
        .error(400, "M_BAD_JSON");
}

#[tokio::test]
async fn account_data_needs_a_token() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let path = global_path(&alice, "org.example.x");
    let reply = server.call(http::Method::GET, &path, None, None).await;
    reply.error(401, "M_MISSING_TOKEN");
}

#[tokio::test]
async fn tags_add_list_and_remove() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let room = server.create_room(&alice, json!({})).await;
    let tags = room_path(&alice, &room, "tags");
    assert_eq!(server.get(&alice, &tags).await.ok(), json!({ "tags": {} }));
    let favourite = room_path(&alice, &room, "tags/m.favourite");
    server
        .put(&alice, &favourite, &json!({ "order": 0.25 }))
        .await
        .ok();
    server
        .put(&alice, &room_path(&alice, &room, "tags/u.work"), &json!({}))
        .await
        .ok();
    let listed = server.get(&alice, &tags).await.ok();
    assert_eq!(
        listed,
        json!({ "tags": { "m.favourite": { "order": 0.25 }, "u.work": {} } })
    );
    // Tags are the room's m.tag account data.
    let m_tag = server
        .get(&alice, &room_path(&alice, &room, "account_data/m.tag"))
        .await
        .ok();
    assert_eq!(m_tag["tags"]["m.favourite"]["order"], 0.25);
    server.delete(&alice, &favourite, None).await.ok();
    server.delete(&alice, &favourite, None).await.ok(); // removing an absent tag succeeds
    assert_eq!(
        server.get(&alice, &tags).await.ok(),
        json!({ "tags": { "u.work": {} } })
    );
}

#[tokio::test]
async fn another_users_tags_are_forbidden() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    let room = server.create_room(&alice, json!({})).await;
    let tag = room_path(&alice, &room, "tags/u.x");
    server
        .put(&bob, &tag, &json!({}))
        .await
        .error(403, "M_FORBIDDEN");
    server
        .delete(&bob, &tag, None)
        .await
        .error(403, "M_FORBIDDEN");
    server
        .get(&bob, &room_path(&alice, &room, "tags"))
        .await
        .error(403, "M_FORBIDDEN");
}

#[tokio::test]
async fn push_rules_read_as_server_defaults() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let rules = server
        .get(&alice, &global_path(&alice, "m.push_rules"))
        .await
        .ok();
    let overrides = rules["global"]["override"]
        .as_array()
        .expect("override rules");
    assert!(
        overrides.iter().any(|r| r["rule_id"] == ".m.rule.master"),
        "{rules}"
    );
}

#[tokio::test]
async fn wrong_method_is_still_unrecognized() {
    // The 405 fallback rewrites axum's bare 405 but not a handler's 405 M_BAD_JSON.
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let path = global_path(&alice, "org.example.x");
    server
        .post(&alice, &path, &json!({}))
        .await
        .error(405, "M_UNRECOGNIZED");
}
