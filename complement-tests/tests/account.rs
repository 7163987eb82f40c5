//! Account management: password change (UIA with `m.login.password`),
//! deactivation, device naming at registration, logout removing devices.

use complement_tests::encode::path_segment;
use complement_tests::{json, Client, TestServer, PASSWORD};

const WHOAMI: &str = "/_matrix/client/v3/account/whoami";

/// POST `path` with `body`; on a 401 UIA answer, retries with a password stage.
async fn with_password_auth(
    client: &Client,
    path: &str,
    body: serde_json::Value,
) -> complement_tests::ApiResponse {
    let first = client.post(path, &body).await;
    if first.status != 401 {
        return first;
    }
    let mut body = body;
    body["auth"] = json!({
        "type": "m.login.password",
        "identifier": {"type": "m.id.user", "user": client.user_id},
        "password": PASSWORD,
        "session": first.body["session"],
    });
    client.post(path, &body).await
}

#[tokio::test]
async fn change_password_logs_out_other_devices() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let alice = anon.register("alice").await;
    let other = anon.login("alice", PASSWORD).await;
    let body = json!({"new_password": "another long password"});
    with_password_auth(&alice, "/_matrix/client/v3/account/password", body)
        .await
        .ok();
    assert_eq!(
        alice.whoami().await,
        alice.user_id,
        "the changing device stays logged in"
    );
    other.get(WHOAMI).await.assert_error(401, "M_UNKNOWN_TOKEN");
    anon.login_raw("alice", PASSWORD)
        .await
        .assert_error(403, "M_FORBIDDEN");
    anon.login("alice", "another long password").await;
}

#[tokio::test]
async fn change_password_needs_the_old_one() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let path = "/_matrix/client/v3/account/password";
    let first = alice
        .post(path, &json!({"new_password": "another long password"}))
        .await;
    assert_eq!(first.status, 401, "{first:?}");
    let body = json!({
        "new_password": "another long password",
        "auth": {
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": alice.user_id},
            "password": "wrong password",
            "session": first.body["session"],
        },
    });
    let refused = alice.post(path, &body).await;
    assert_eq!(refused.status, 401, "{refused:?}");
    server.client().login("alice", PASSWORD).await;
}

#[tokio::test]
async fn deactivate_account() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let alice = anon.register("alice").await;
    with_password_auth(&alice, "/_matrix/client/v3/account/deactivate", json!({}))
        .await
        .ok();
    alice.get(WHOAMI).await.assert_error(401, "M_UNKNOWN_TOKEN");
    let login = anon.login_raw("alice", PASSWORD).await;
    // The spec allows M_FORBIDDEN when the password is wiped on deactivation.
    assert_eq!(login.status, 403, "{login:?}");
    assert!(
        ["M_USER_DEACTIVATED", "M_FORBIDDEN"].contains(&login.errcode()),
        "{login:?}"
    );
    let body = json!({"username": "alice", "password": PASSWORD});
    anon.register_raw(body, json!({"type": "m.login.dummy"}))
        .await
        .assert_error(400, "M_USER_IN_USE");
}

#[tokio::test]
async fn registration_names_the_device() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let body = json!({
        "username": "alice",
        "password": PASSWORD,
        "device_id": "PHONE",
        "initial_device_display_name": "Alice's phone",
    });
    let answer = anon
        .register_raw(body, json!({"type": "m.login.dummy"}))
        .await
        .ok();
    assert_eq!(answer["device_id"], "PHONE");
    let mut alice = Client::new(&server.base_url());
    alice.access_token = answer["access_token"].as_str().map(str::to_owned);
    let device = alice.get("/_matrix/client/v3/devices/PHONE").await.ok();
    assert_eq!(device["display_name"], "Alice's phone");
}

#[tokio::test]
async fn logout_removes_the_device() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let alice = anon.register("alice").await;
    let other = anon.login("alice", PASSWORD).await;
    other
        .post("/_matrix/client/v3/logout", &json!({}))
        .await
        .ok();
    let devices = alice.get("/_matrix/client/v3/devices").await.ok();
    let ids: Vec<&str> = devices["devices"]
        .as_array()
        .expect("devices")
        .iter()
        .filter_map(|d| d["device_id"].as_str())
        .collect();
    assert_eq!(
        ids,
        [alice.device_id.as_str()],
        "logged-out device still listed"
    );
    let path = format!(
        "/_matrix/client/v3/devices/{}",
        path_segment(&other.device_id)
    );
    alice.get(&path).await.assert_error(404, "M_NOT_FOUND");
}

/// Sends `method path body`; on a 401 UIA answer, retries with a password stage.
async fn with_password_auth_method(
    client: &Client,
    method: complement_tests::Method,
    path: &str,
    body: serde_json::Value,
) -> complement_tests::ApiResponse {
    let first = client.request(method.clone(), path, Some(&body)).await;
    if first.status != 401 {
        return first;
    }
    let mut body = body;
    body["auth"] = json!({
        "type": "m.login.password",
        "identifier": {"type": "m.id.user", "user": client.user_id},
        "password": PASSWORD,
        "session": first.body["session"],
    });
    client.request(method, path, Some(&body)).await
}

#[tokio::test]
async fn delete_device_needs_auth_and_logs_it_out() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let alice = anon.register("alice").await;
    let phone = anon.login("alice", PASSWORD).await;
    let path = format!(
        "/_matrix/client/v3/devices/{}",
        path_segment(&phone.device_id)
    );
    let unauthenticated = alice.delete(&path).await;
    assert_eq!(
        unauthenticated.status, 401,
        "device deleted without UIA: {unauthenticated:?}"
    );
    let method = complement_tests::Method::DELETE;
    with_password_auth_method(&alice, method, &path, json!({}))
        .await
        .ok();
    phone.get(WHOAMI).await.assert_error(401, "M_UNKNOWN_TOKEN");
    alice.get(&path).await.assert_error(404, "M_NOT_FOUND");
}

#[tokio::test]
async fn delete_devices_in_bulk() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let alice = anon.register("alice").await;
    let one = anon.login("alice", PASSWORD).await;
    let two = anon.login("alice", PASSWORD).await;
    let body = json!({"devices": [one.device_id, two.device_id]});
    with_password_auth(&alice, "/_matrix/client/v3/delete_devices", body)
        .await
        .ok();
    one.get(WHOAMI).await.assert_error(401, "M_UNKNOWN_TOKEN");
    two.get(WHOAMI).await.assert_error(401, "M_UNKNOWN_TOKEN");
    assert_eq!(alice.whoami().await, alice.user_id);
}
