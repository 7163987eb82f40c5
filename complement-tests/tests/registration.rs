//! `POST /register` in each registration mode, its error cases, and
//! `GET /register/available`.

use complement_tests::{json, Client, Registration, ServerOptions, TestServer, PASSWORD};

const REGISTER: &str = "/_matrix/client/v3/register";

fn dummy() -> serde_json::Value {
    json!({"type": "m.login.dummy"})
}

#[tokio::test]
async fn open_registration_with_dummy_auth() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let first = anon
        .post(
            REGISTER,
            &json!({"username": "alice", "password": PASSWORD}),
        )
        .await;
    assert_eq!(
        first.status, 401,
        "first attempt must ask for UIA: {first:?}"
    );
    let flows = first.body["flows"].to_string();
    assert!(
        flows.contains("m.login.dummy"),
        "flows lack m.login.dummy: {flows}"
    );
    let bob = anon.register("bob").await;
    assert_eq!(bob.user_id, "@bob:localhost");
    assert!(!bob.device_id.is_empty());
    assert_eq!(bob.whoami().await, "@bob:localhost");
}

#[tokio::test]
async fn token_registration_accepts_right_token_only() {
    let options = ServerOptions::registration(Registration::Token("s3cret-token".into()));
    let server = TestServer::start(options).await;
    let anon = server.client();
    let body = json!({"username": "alice", "password": PASSWORD});
    let first = anon.post(REGISTER, &body).await;
    assert_eq!(first.status, 401, "{first:?}");
    assert!(
        first.body["flows"]
            .to_string()
            .contains("m.login.registration_token"),
        "{first:?}"
    );

    let wrong = json!({"type": "m.login.registration_token", "token": "wrong"});
    let refused = anon.register_raw(body.clone(), wrong).await;
    assert_eq!(
        refused.status, 401,
        "wrong token must be refused with 401: {refused:?}"
    );
    assert!(
        !refused.errcode().is_empty(),
        "401 without errcode: {refused:?}"
    );
    assert!(refused.body.get("access_token").is_none());

    let dummy_only = anon.register_raw(body.clone(), dummy()).await;
    assert_eq!(
        dummy_only.status, 401,
        "dummy auth must not pass token mode: {dummy_only:?}"
    );

    let right = json!({"type": "m.login.registration_token", "token": "s3cret-token"});
    let accepted = anon.register_raw(body, right).await.ok();
    assert_eq!(accepted["user_id"], "@alice:localhost");
}

#[tokio::test]
async fn closed_registration_is_forbidden() {
    let server = TestServer::start(ServerOptions::registration(Registration::Closed)).await;
    let body = json!({"username": "alice", "password": PASSWORD});
    let response = server.client().register_raw(body, dummy()).await;
    response.assert_error(403, "M_FORBIDDEN");
}

#[tokio::test]
async fn taken_username_is_refused() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    anon.register("alice").await;
    let body = json!({"username": "alice", "password": PASSWORD});
    anon.register_raw(body, dummy())
        .await
        .assert_error(400, "M_USER_IN_USE");
}

#[tokio::test]
async fn invalid_username_is_refused() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    for name in ["has space", "bad/name!", "@x:y"] {
        let body = json!({"username": name, "password": PASSWORD});
        anon.register_raw(body, dummy())
            .await
            .assert_error(400, "M_INVALID_USERNAME");
    }
}

#[tokio::test]
async fn short_password_is_weak() {
    let server = TestServer::start_default().await;
    let body = json!({"username": "alice", "password": "abc"});
    let response = server.client().register_raw(body, dummy()).await;
    response.assert_error(400, "M_WEAK_PASSWORD");
    let login = server.client().login_raw("alice", "abc").await;
    assert_eq!(
        login.status, 403,
        "a refused registration must not create the account: {login:?}"
    );
}

#[tokio::test]
async fn guest_registration_is_refused() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let response = anon
        .post(&format!("{REGISTER}?kind=guest"), &json!({}))
        .await;
    response.assert_error(403, "M_FORBIDDEN");
}

#[tokio::test]
async fn username_availability() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let path = |name: &str| format!("{REGISTER}/available?username={name}");
    let free = anon.get(&path("carol")).await.ok();
    assert_eq!(free["available"], true);
    anon.register("carol").await;
    anon.get(&path("carol"))
        .await
        .assert_error(400, "M_USER_IN_USE");
    anon.get(&path("not%20valid"))
        .await
        .assert_error(400, "M_INVALID_USERNAME");
}

#[tokio::test]
async fn registration_without_username_generates_one() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let body = json!({"password": PASSWORD});
    let answer = anon.register_raw(body, dummy()).await.ok();
    let user_id = answer["user_id"].as_str().expect("user_id").to_owned();
    assert!(
        user_id.starts_with('@') && user_id.ends_with(":localhost"),
        "{user_id}"
    );
    let mut client = Client::new(&server.base_url());
    client.access_token = answer["access_token"].as_str().map(str::to_owned);
    assert_eq!(client.whoami().await, user_id);
}

#[tokio::test]
async fn inhibit_login_returns_no_token() {
    let server = TestServer::start_default().await;
    let body = json!({"username": "dora", "password": PASSWORD, "inhibit_login": true});
    let answer = server.client().register_raw(body, dummy()).await.ok();
    assert_eq!(answer["user_id"], "@dora:localhost");
    assert!(
        answer.get("access_token").is_none(),
        "inhibit_login returned a token: {answer}"
    );
    server.client().login("dora", PASSWORD).await;
}
