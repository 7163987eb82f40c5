//! Rate limiting (`PLEXUS_RATE_LIMITS=on`): bursts beyond the configured
//! budget get `429 M_LIMIT_EXCEEDED` with `retry_after_ms`; with limits off
//! (every other test) the same burst passes.

use complement_tests::{json, ServerOptions, TestServer, PASSWORD};

fn limited() -> ServerOptions {
    ServerOptions {
        rate_limits: true,
        ..ServerOptions::default()
    }
}

#[tokio::test]
async fn login_burst_is_limited() {
    let server = TestServer::start(limited()).await;
    let anon = server.client();
    let mut limited_answer = None;
    for _ in 0..30 {
        let response = anon.login_raw("nobody", PASSWORD).await;
        if response.status == 429 {
            limited_answer = Some(response);
            break;
        }
        response.assert_error(403, "M_FORBIDDEN");
    }
    let response = limited_answer.expect("30 rapid logins were never rate limited");
    response.assert_error(429, "M_LIMIT_EXCEEDED");
    assert!(
        response.body["retry_after_ms"].is_u64(),
        "no retry_after_ms: {response:?}"
    );
}

#[tokio::test]
async fn message_burst_is_limited() {
    let server = TestServer::start(limited()).await;
    let alice = server.client().register("alice").await;
    let room = alice.create_room(json!({})).await;
    let content = json!({"msgtype": "m.text", "body": "flood"});
    let mut statuses = Vec::new();
    for i in 0..100 {
        let response = alice
            .send_raw(&room, "m.room.message", &format!("flood{i}"), &content)
            .await;
        statuses.push(response.status);
        if response.status == 429 {
            response.assert_error(429, "M_LIMIT_EXCEEDED");
            return;
        }
        assert_eq!(response.status, 200, "{response:?}");
    }
    panic!("100 rapid messages were never rate limited: {statuses:?}");
}

#[tokio::test]
async fn limits_off_allows_bursts() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    for _ in 0..30 {
        anon.login_raw("nobody", PASSWORD)
            .await
            .assert_error(403, "M_FORBIDDEN");
    }
}

#[tokio::test]
async fn registration_burst_is_limited() {
    let server = TestServer::start(limited()).await;
    let anon = server.client();
    for i in 0..30 {
        let body = json!({"username": format!("user{i}"), "password": PASSWORD});
        let response = anon
            .register_raw(body, json!({"type": "m.login.dummy"}))
            .await;
        if response.status == 429 {
            response.assert_error(429, "M_LIMIT_EXCEEDED");
            return;
        }
        assert!(response.status == 200, "{response:?}");
    }
    panic!("30 rapid registrations were never rate limited");
}
