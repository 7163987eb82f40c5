//! Protocol-level behaviour: unknown endpoints and methods, malformed and
//! oversized bodies, CORS, and `/versions`.

use complement_tests::{Method, TestServer};

#[tokio::test]
async fn versions_lists_spec_versions() {
    let server = TestServer::start_default().await;
    let body = server.client().get("/_matrix/client/versions").await.ok();
    let versions = body["versions"].as_array().expect("versions array");
    assert!(!versions.is_empty());
    assert!(versions.iter().all(|v| v
        .as_str()
        .is_some_and(|s| s.starts_with('v') || s.starts_with('r'))));
}

#[tokio::test]
async fn unknown_endpoint_is_unrecognized() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    anon.get("/_matrix/client/v3/no_such_endpoint")
        .await
        .assert_error(404, "M_UNRECOGNIZED");
    anon.get("/_matrix/client/v3/rooms/x/also_not_real")
        .await
        .assert_error(404, "M_UNRECOGNIZED");
}

#[tokio::test]
async fn wrong_method_is_unrecognized() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let response = anon
        .request(Method::DELETE, "/_matrix/client/v3/login", None)
        .await;
    response.assert_error(405, "M_UNRECOGNIZED");
    let response = anon
        .request(Method::POST, "/_matrix/client/versions", None)
        .await;
    response.assert_error(405, "M_UNRECOGNIZED");
}

#[tokio::test]
async fn non_json_body_is_not_json() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let request = anon
        .builder(Method::POST, "/_matrix/client/v3/login")
        .header("content-type", "application/json")
        .body("this is { not json");
    let response = anon.try_send(request).await.expect("send");
    response.assert_error(400, "M_NOT_JSON");
}

#[tokio::test]
async fn oversized_body_is_too_large() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let big = format!(r#"{{"name":"{}"}}"#, "x".repeat(1_300_000));
    let request = alice
        .builder(Method::POST, "/_matrix/client/v3/createRoom")
        .header("content-type", "application/json")
        .body(big);
    let response = alice.try_send(request).await.expect("send");
    response.assert_error(413, "M_TOO_LARGE");
}

#[tokio::test]
async fn cors_headers_on_simple_request() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let request = anon
        .builder(Method::GET, "/_matrix/client/versions")
        .header("Origin", "https://app.example");
    let response = anon.try_send(request).await.expect("send");
    assert_eq!(response.status, 200);
    let allow = response
        .headers
        .get("access-control-allow-origin")
        .expect("ACAO header");
    let allow = allow.to_str().expect("ascii");
    assert!(
        allow == "*" || allow == "https://app.example",
        "ACAO = {allow}"
    );
}

#[tokio::test]
async fn cors_preflight_is_answered() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let request = anon
        .builder(Method::OPTIONS, "/_matrix/client/v3/createRoom")
        .header("Origin", "https://app.example")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization, content-type",
        );
    let response = anon.try_send(request).await.expect("send");
    assert!(
        response.status == 200 || response.status == 204,
        "preflight: {response:?}"
    );
    let header = |name: &str| {
        let value = response
            .headers
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing: {response:?}"));
        value.to_str().expect("ascii").to_ascii_lowercase()
    };
    let origin = header("access-control-allow-origin");
    assert!(origin == "*" || origin == "https://app.example");
    let methods = header("access-control-allow-methods");
    assert!(
        methods == "*" || methods.contains("post"),
        "methods: {methods}"
    );
    let headers = header("access-control-allow-headers");
    assert!(
        headers == "*" || headers.contains("authorization"),
        "headers: {headers}"
    );
}

#[tokio::test]
async fn capabilities_advertise_room_versions() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let caps = alice.get("/_matrix/client/v3/capabilities").await.ok();
    assert!(
        caps["capabilities"]["m.room_versions"]["default"].is_string(),
        "{caps}"
    );
}

#[tokio::test]
async fn unknown_login_type_is_bad_request() {
    let server = TestServer::start_default().await;
    let body = complement_tests::json!({"type": "m.login.bogus", "user": "alice", "password": "x"});
    let response = server
        .client()
        .post("/_matrix/client/v3/login", &body)
        .await;
    assert_eq!(response.status, 400, "{response:?}");
    assert!(!response.errcode().is_empty(), "{response:?}");
}

#[tokio::test]
async fn malformed_fields_are_bad_json() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let bad_preset = complement_tests::json!({"preset": 42});
    let response = alice
        .post("/_matrix/client/v3/createRoom", &bad_preset)
        .await;
    assert_eq!(response.status, 400, "{response:?}");
    assert!(
        ["M_BAD_JSON", "M_INVALID_PARAM"].contains(&response.errcode()),
        "{response:?}"
    );
    let room = alice.create_room(complement_tests::json!({})).await;
    let path = complement_tests::rooms::room_path(&room, "send/m.room.message/t1");
    let response = alice
        .put(&path, &complement_tests::json!(["not", "an", "object"]))
        .await;
    assert_eq!(response.status, 400, "array content accepted: {response:?}");
    assert!(
        ["M_BAD_JSON", "M_NOT_JSON"].contains(&response.errcode()),
        "{response:?}"
    );
}

#[tokio::test]
async fn cors_headers_on_error_responses() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    for (method, path) in [
        (Method::GET, "/_matrix/client/v3/account/whoami"),
        (Method::GET, "/_matrix/client/v3/no_such_endpoint"),
        (Method::DELETE, "/_matrix/client/v3/login"),
    ] {
        let request = anon
            .builder(method.clone(), path)
            .header("Origin", "https://app.example");
        let response = anon.try_send(request).await.expect("send");
        assert!(response.status >= 400, "{method} {path}: {response:?}");
        let allow = response.headers.get("access-control-allow-origin");
        assert!(
            allow.is_some(),
            "{method} {path} ({}) lacks CORS headers",
            response.status
        );
    }
}
