//! Filters through the router: upload and download one's own, 404 for
//! unknown IDs, 403 for another user's.

mod common;

use common::{seg, v3, TestServer, User};
use serde_json::json;

fn filter_path(user: &User, rest: &str) -> String {
    v3(&format!("/user/{}/filter{rest}", seg(&user.user_id)))
}

#[tokio::test]
async fn filter_upload_and_download() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let filter = json!({
        "room": { "timeline": { "limit": 2, "types": ["m.room.message"] } },
        "presence": { "not_types": ["*"] },
    });
    let created = server
        .post(&alice, &filter_path(&alice, ""), &filter)
        .await
        .ok();
    let id = created["filter_id"].as_str().expect("filter_id").to_owned();
    let fetched = server
        .get(&alice, &filter_path(&alice, &format!("/{}", seg(&id))))
        .await
        .ok();
    assert_eq!(fetched["room"]["timeline"]["limit"], 2, "{fetched}");
    assert_eq!(
        fetched["room"]["timeline"]["types"],
        json!(["m.room.message"])
    );
    assert_eq!(fetched["presence"]["not_types"], json!(["*"]));
    let second = server
        .post(&alice, &filter_path(&alice, ""), &json!({}))
        .await
        .ok();
    assert_ne!(second["filter_id"], created["filter_id"]);
}

#[tokio::test]
async fn unknown_filter_is_not_found() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    server
        .get(&alice, &filter_path(&alice, "/12345"))
        .await
        .error(404, "M_NOT_FOUND");
    server
        .get(&alice, &filter_path(&alice, "/not-an-id"))
        .await
        .error(404, "M_NOT_FOUND");
}

#[tokio::test]
async fn another_users_filters_are_forbidden() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    let created = server
        .post(&alice, &filter_path(&alice, ""), &json!({}))
        .await
        .ok();
    let id = created["filter_id"].as_str().expect("filter_id").to_owned();
    server
        .get(&bob, &filter_path(&alice, &format!("/{id}")))
        .await
        .error(403, "M_FORBIDDEN");
    server
        .post(&bob, &filter_path(&alice, ""), &json!({}))
        .await
        .error(403, "M_FORBIDDEN");
}

#[tokio::test]
async fn malformed_filter_is_bad_json() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let reply = server
        .post(
            &alice,
            &filter_path(&alice, ""),
            &json!({ "room": { "timeline": { "limit": "two" } } }),
        )
        .await;
    reply.error(400, "M_BAD_JSON");
}
