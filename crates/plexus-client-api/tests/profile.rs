//! Profiles through the router: read without a token, set one's own, 403 for
//! someone else's, 404 for unknown users, 400 for avatars that are not `mxc://`.

mod common;

use common::{seg, v3, TestServer, User};
use http::Method;
use serde_json::json;

fn field_path(user_id: &str, field: &str) -> String {
    v3(&format!("/profile/{}/{field}", seg(user_id)))
}

#[tokio::test]
async fn displayname_round_trip_readable_without_token() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let path = field_path(&alice.user_id, "displayname");
    server
        .put(&alice, &path, &json!({ "displayname": "Alice Liddell" }))
        .await
        .ok();
    let read = server.call(Method::GET, &path, None, None).await.ok();
    assert_eq!(read, json!({ "displayname": "Alice Liddell" }));
    let whole = server
        .call(
            Method::GET,
            &v3(&format!("/profile/{}", seg(&alice.user_id))),
            None,
            None,
        )
        .await;
    assert_eq!(whole.ok()["displayname"], "Alice Liddell");
}

#[tokio::test]
async fn avatar_url_round_trip_and_clear() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let path = field_path(&alice.user_id, "avatar_url");
    server.get(&alice, &path).await.error(404, "M_NOT_FOUND");
    server
        .put(
            &alice,
            &path,
            &json!({ "avatar_url": "mxc://localhost/abc123" }),
        )
        .await
        .ok();
    assert_eq!(
        server.get(&alice, &path).await.ok(),
        json!({ "avatar_url": "mxc://localhost/abc123" })
    );
    let whole = server
        .get(&alice, &v3(&format!("/profile/{}", seg(&alice.user_id))))
        .await
        .ok();
    assert_eq!(whole["avatar_url"], "mxc://localhost/abc123");
    server
        .put(&alice, &path, &json!({ "avatar_url": "" }))
        .await
        .ok();
    server.get(&alice, &path).await.error(404, "M_NOT_FOUND");
}

#[tokio::test]
async fn avatar_url_must_be_mxc() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let path = field_path(&alice.user_id, "avatar_url");
    for bad in ["https://example.org/a.png", "mxc://", "not a uri"] {
        let reply = server
            .put(&alice, &path, &json!({ "avatar_url": bad }))
            .await;
        assert_eq!(reply.status.as_u16(), 400, "{bad}: {}", reply.body);
    }
    server.get(&alice, &path).await.error(404, "M_NOT_FOUND");
}

#[tokio::test]
async fn setting_someone_elses_profile_is_forbidden() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    let name = field_path(&alice.user_id, "displayname");
    server
        .put(&bob, &name, &json!({ "displayname": "Mallory" }))
        .await
        .error(403, "M_FORBIDDEN");
    let avatar = field_path(&alice.user_id, "avatar_url");
    server
        .put(&bob, &avatar, &json!({ "avatar_url": "mxc://localhost/x" }))
        .await
        .error(403, "M_FORBIDDEN");
    assert_eq!(server.get(&bob, &name).await.ok()["displayname"], "alice");
}

#[tokio::test]
async fn unknown_user_profile_is_not_found() {
    let server = TestServer::new();
    let nobody = "@nobody:localhost";
    let whole = server
        .call(
            Method::GET,
            &v3(&format!("/profile/{}", seg(nobody))),
            None,
            None,
        )
        .await;
    whole.error(404, "M_NOT_FOUND");
    let name = server
        .call(Method::GET, &field_path(nobody, "displayname"), None, None)
        .await;
    name.error(404, "M_NOT_FOUND");
    let avatar = server
        .call(Method::GET, &field_path(nobody, "avatar_url"), None, None)
        .await;
    avatar.error(404, "M_NOT_FOUND");
}

#[tokio::test]
async fn missing_field_is_missing_param() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let path = field_path(&alice.user_id, "displayname");
    server
        .put(&alice, &path, &json!({}))
        .await
        .error(400, "M_MISSING_PARAM");
}

#[tokio::test]
async fn displayname_reaches_member_events() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let room = server.create_room(&alice, json!({})).await;
    let path = field_path(&alice.user_id, "displayname");
    server
        .put(&alice, &path, &json!({ "displayname": "Queen Alice" }))
        .await
        .ok();
    let member = member_event(&server, &alice, &room).await;
    assert_eq!(member["displayname"], "Queen Alice");
    assert_eq!(member["membership"], "join");
}

async fn member_event(server: &TestServer, user: &User, room_id: &str) -> serde_json::Value {
    let path = v3(&format!(
        "/rooms/{}/state/m.room.member/{}",
        seg(room_id),
        seg(&user.user_id)
    ));
    server.get(user, &path).await.ok()
}
