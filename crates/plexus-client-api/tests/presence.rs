//! Presence through the router: set one's own, read it back, 403 for
//! strangers and for setting someone else's, 404 for unknown users.

mod common;

use common::{seg, v3, TestServer, User};
use serde_json::json;

fn status_path(user: &User) -> String {
    v3(&format!("/presence/{}/status", seg(&user.user_id)))
}

#[tokio::test]
async fn own_presence_round_trip() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let path = status_path(&alice);
    server
        .put(
            &alice,
            &path,
            &json!({ "presence": "unavailable", "status_msg": "lunch" }),
        )
        .await
        .ok();
    let read = server.get(&alice, &path).await.ok();
    assert_eq!(read["presence"], "unavailable");
    assert_eq!(read["status_msg"], "lunch");
    assert!(read["last_active_ago"].is_u64(), "{read}");
    server
        .put(&alice, &path, &json!({ "presence": "online" }))
        .await
        .ok();
    let read = server.get(&alice, &path).await.ok();
    assert_eq!(read["presence"], "online");
    assert_eq!(read["currently_active"], true);
    assert!(read.get("status_msg").is_none(), "{read}");
}

#[tokio::test]
async fn room_mates_see_presence_strangers_do_not() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    let path = status_path(&alice);
    server
        .put(
            &alice,
            &path,
            &json!({ "presence": "online", "status_msg": "hi" }),
        )
        .await
        .ok();
    server.get(&bob, &path).await.error(403, "M_FORBIDDEN");
    let room = server
        .create_room(&alice, json!({ "preset": "public_chat" }))
        .await;
    server.join(&bob, &room).await;
    let seen = server.get(&bob, &path).await.ok();
    assert_eq!(seen["presence"], "online");
    assert_eq!(seen["status_msg"], "hi");
}

#[tokio::test]
async fn never_set_presence_reads_as_offline() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    assert_eq!(
        server.get(&alice, &status_path(&alice)).await.ok()["presence"],
        "offline"
    );
}

#[tokio::test]
async fn setting_someone_elses_presence_is_forbidden() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    let reply = server
        .put(
            &bob,
            &status_path(&alice),
            &json!({ "presence": "offline" }),
        )
        .await;
    reply.error(403, "M_FORBIDDEN");
}

#[tokio::test]
async fn unknown_user_presence_is_not_found() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let path = v3(&format!("/presence/{}/status", seg("@nobody:localhost")));
    server.get(&alice, &path).await.error(404, "M_NOT_FOUND");
}

#[tokio::test]
async fn invalid_presence_state_is_rejected() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let reply = server
        .put(
            &alice,
            &status_path(&alice),
            &json!({ "presence": "dancing" }),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 400, "{}", reply.body);
}
