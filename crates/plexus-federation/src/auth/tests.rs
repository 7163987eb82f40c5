//! The `X-Matrix` extractor in process, with requests signed by the server's own
//! key (no network needed to find the key): accepted when signed, 401
//! `M_UNAUTHORIZED` when unsigned, forged, altered or addressed elsewhere.

use std::sync::Arc;

use axum::{body::Body, http::Request};
use plexus_core::{pdu::SigningKey, Config};
use plexus_service::Services;
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::xmatrix::sign::SignedRequest;

const URI: &str = "/_matrix/federation/v1/query/profile?user_id=%40nobody%3Alocalhost";

fn router() -> (tempfile::TempDir, Arc<Services>, axum::Router) {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().to_owned(),
        ..Config::default()
    };
    let services = Services::open(config).unwrap();
    let router = crate::router(services.clone()).unwrap();
    (dir, services, router)
}

async fn send(router: &axum::Router, uri: &str, authorization: Option<String>) -> (u16, Value) {
    let mut request = Request::get(uri);
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

fn signed(key: &SigningKey, uri: &str, destination: &str) -> String {
    let request = SignedRequest {
        method: "GET",
        uri,
        origin: "localhost",
        destination,
        content: None,
    };
    request.authorization(key).unwrap()
}

#[tokio::test]
async fn a_correctly_signed_request_passes_authentication() {
    let (_dir, services, router) = router();
    let (status, body) = send(&router, URI, Some(signed(&services.key, URI, "localhost"))).await;
    // Authenticated; the user simply does not exist.
    assert_eq!(
        (status, &body["errcode"]),
        (404, &json!("M_NOT_FOUND")),
        "{body}"
    );
}

#[tokio::test]
async fn unsigned_forged_altered_or_misaddressed_requests_get_401() {
    let (_dir, services, router) = router();
    let forger = SigningKey::from_pkcs8(
        "localhost".try_into().unwrap(),
        &SigningKey::generate_pkcs8(),
        services.key.key_pair.version(),
    )
    .unwrap();
    let other_uri = "/_matrix/federation/v1/query/profile?user_id=%40other%3Alocalhost";
    let cases = [
        None,
        Some("X-Matrix garbage".to_owned()),
        Some(signed(&forger, URI, "localhost")),
        Some(signed(&services.key, other_uri, "localhost")),
        Some(signed(&services.key, URI, "elsewhere.example")),
    ];
    for authorization in cases {
        let (status, body) = send(&router, URI, authorization.clone()).await;
        assert_eq!(
            (status, &body["errcode"]),
            (401, &json!("M_UNAUTHORIZED")),
            "{authorization:?}: {body}"
        );
    }
}

#[tokio::test]
async fn unknown_endpoints_are_unrecognized_and_keys_need_no_auth() {
    let (_dir, _services, router) = router();
    let (status, body) = send(&router, "/_matrix/federation/v1/unknown", None).await;
    assert_eq!((status, &body["errcode"]), (404, &json!("M_UNRECOGNIZED")));
    let (status, body) = send(&router, "/_matrix/key/v2/server", None).await;
    assert_eq!((status, &body["server_name"]), (200, &json!("localhost")));
    let (status, body) = send(&router, "/_matrix/key/v2/query/localhost", None).await;
    assert_eq!(
        (status, &body["server_keys"][0]["server_name"]),
        (200, &json!("localhost"))
    );
}
