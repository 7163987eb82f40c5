//! Login (both identifier forms), whoami, logout, logout/all, and the
//! missing/unknown token errors.

use complement_tests::{json, Client, TestServer, PASSWORD};

const LOGIN: &str = "/_matrix/client/v3/login";
const WHOAMI: &str = "/_matrix/client/v3/account/whoami";

#[tokio::test]
async fn login_flows_offer_password() {
    let server = TestServer::start_default().await;
    let flows = server.client().get(LOGIN).await.ok();
    assert!(
        flows["flows"].to_string().contains("m.login.password"),
        "{flows}"
    );
}

#[tokio::test]
async fn login_with_user_identifier() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let registered = anon.register("alice").await;
    let session = anon.login("alice", PASSWORD).await;
    assert_eq!(session.user_id, "@alice:localhost");
    assert_ne!(session.access_token, registered.access_token);
    assert_ne!(session.device_id, registered.device_id);
    assert_eq!(session.whoami().await, "@alice:localhost");
    let by_full_id = anon.login("@alice:localhost", PASSWORD).await;
    assert_eq!(by_full_id.whoami().await, "@alice:localhost");
}

#[tokio::test]
async fn login_with_legacy_user_field() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    anon.register("alice").await;
    let body = json!({"type": "m.login.password", "user": "alice", "password": PASSWORD});
    let answer = anon.post(LOGIN, &body).await.ok();
    assert_eq!(answer["user_id"], "@alice:localhost");
    assert!(answer["access_token"].is_string());
}

#[tokio::test]
async fn login_keeps_requested_device_id() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    anon.register("alice").await;
    let body = json!({
        "type": "m.login.password",
        "identifier": {"type": "m.id.user", "user": "alice"},
        "password": PASSWORD,
        "device_id": "MYDEVICE",
    });
    let answer = anon.post(LOGIN, &body).await.ok();
    assert_eq!(answer["device_id"], "MYDEVICE");
}

#[tokio::test]
async fn wrong_password_and_unknown_user_are_forbidden() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    anon.register("alice").await;
    anon.login_raw("alice", "not the password")
        .await
        .assert_error(403, "M_FORBIDDEN");
    anon.login_raw("nobody", PASSWORD)
        .await
        .assert_error(403, "M_FORBIDDEN");
}

#[tokio::test]
async fn whoami_reports_user_and_device() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let answer = alice.get(WHOAMI).await.ok();
    assert_eq!(answer["user_id"], "@alice:localhost");
    assert_eq!(answer["device_id"], alice.device_id.as_str());
}

#[tokio::test]
async fn logout_invalidates_only_that_token() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let first = anon.register("alice").await;
    let second = anon.login("alice", PASSWORD).await;
    first
        .post("/_matrix/client/v3/logout", &json!({}))
        .await
        .ok();
    first.get(WHOAMI).await.assert_error(401, "M_UNKNOWN_TOKEN");
    assert_eq!(second.whoami().await, "@alice:localhost");
}

#[tokio::test]
async fn logout_all_invalidates_every_token() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let first = anon.register("alice").await;
    let second = anon.login("alice", PASSWORD).await;
    let other_user = anon.register("bob").await;
    first
        .post("/_matrix/client/v3/logout/all", &json!({}))
        .await
        .ok();
    first.get(WHOAMI).await.assert_error(401, "M_UNKNOWN_TOKEN");
    second
        .get(WHOAMI)
        .await
        .assert_error(401, "M_UNKNOWN_TOKEN");
    assert_eq!(other_user.whoami().await, "@bob:localhost");
    assert_eq!(
        anon.login("alice", PASSWORD).await.whoami().await,
        "@alice:localhost"
    );
}

#[tokio::test]
async fn missing_token_is_rejected() {
    let server = TestServer::start_default().await;
    server
        .client()
        .get(WHOAMI)
        .await
        .assert_error(401, "M_MISSING_TOKEN");
}

#[tokio::test]
async fn unknown_token_is_rejected() {
    let server = TestServer::start_default().await;
    let mut client = Client::new(&server.base_url());
    client.access_token = Some("syt_made_up_token".into());
    client
        .get(WHOAMI)
        .await
        .assert_error(401, "M_UNKNOWN_TOKEN");
}

#[tokio::test]
async fn token_in_query_parameter_is_accepted() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let token = alice.access_token.clone().expect("token");
    let anon = server.client();
    let answer = anon
        .get(&format!("{WHOAMI}?access_token={token}"))
        .await
        .ok();
    assert_eq!(answer["user_id"], "@alice:localhost");
}

#[tokio::test]
async fn refresh_token_rotates_access_token() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    anon.register("alice").await;
    let body = json!({
        "type": "m.login.password",
        "identifier": {"type": "m.id.user", "user": "alice"},
        "password": PASSWORD,
        "refresh_token": true,
    });
    let login = anon.post(LOGIN, &body).await.ok();
    let refresh = login["refresh_token"]
        .as_str()
        .expect("refresh_token")
        .to_owned();
    assert!(login["expires_in_ms"].is_u64(), "{login}");
    let refreshed = anon
        .post(
            "/_matrix/client/v3/refresh",
            &json!({"refresh_token": refresh}),
        )
        .await
        .ok();
    let mut client = Client::new(&server.base_url());
    client.access_token = refreshed["access_token"].as_str().map(str::to_owned);
    assert_ne!(
        client.access_token.as_deref(),
        login["access_token"].as_str()
    );
    assert_eq!(client.whoami().await, "@alice:localhost");
    let reused = anon
        .post(
            "/_matrix/client/v3/refresh",
            &json!({"refresh_token": refresh}),
        )
        .await;
    reused.assert_error(401, "M_UNKNOWN_TOKEN");
}

#[tokio::test]
async fn third_party_ids_list_is_empty() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let body = alice.get("/_matrix/client/v3/account/3pid").await.ok();
    // `threepids` is optional in the spec; absent and empty both mean none.
    let threepids = body["threepids"].as_array().cloned().unwrap_or_default();
    assert!(threepids.is_empty(), "{body}");
}

#[tokio::test]
async fn to_device_message_is_delivered_once() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let alice = anon.register("alice").await;
    let bob = anon.register("bob").await;
    let since = bob.sync(None, 0, None).await["next_batch"]
        .as_str()
        .expect("next_batch")
        .to_owned();
    let messages = json!({"messages": {&bob.user_id: {&bob.device_id: {"hello": "device"}}}});
    alice
        .put(
            "/_matrix/client/v3/sendToDevice/org.example.ping/td1",
            &messages,
        )
        .await
        .ok();
    let limit = std::time::Duration::from_secs(10);
    let (event, next) = bob
        .sync_until(Some(&since), limit, |body| {
            body["to_device"]["events"]
                .as_array()
                .and_then(|e| e.first().cloned())
        })
        .await;
    assert_eq!(event["type"], "org.example.ping");
    assert_eq!(event["sender"], alice.user_id.as_str());
    assert_eq!(event["content"]["hello"], "device");
    let after = bob.sync(Some(&next), 0, None).await;
    assert_eq!(
        after["to_device"]["events"]
            .as_array()
            .map(Vec::len)
            .unwrap_or(0),
        0,
        "delivered twice"
    );
}
