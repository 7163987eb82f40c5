//! The outbound client against a TLS server on loopback made here: the deny list
//! (refused by default, allowed when empty), certificate checks with and without
//! `ca_file`, `verify_tls = false`, and the response size limit.

use std::sync::Arc;

use http::Method;
use plexus_core::Config;
use plexus_service::Services;
use serde_json::json;

use super::{ClientError, FederationClient};
use crate::testing::TlsPeer;

fn peer_app() -> axum::Router {
    axum::Router::new()
        .route(
            "/small",
            axum::routing::get(|| async { axum::Json(json!({"ok": true})) }),
        )
        .route("/big", axum::routing::get(|| async { "x".repeat(10_000) }))
}

fn client(configure: impl FnOnce(&mut Config)) -> (tempfile::TempDir, FederationClient) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config {
        data_dir: dir.path().to_owned(),
        ..Config::default()
    };
    config.federation.enabled = true;
    configure(&mut config);
    let services: Arc<Services> = Services::open(config).unwrap();
    (dir, FederationClient::new(services).unwrap())
}

#[tokio::test]
async fn the_default_deny_list_refuses_loopback_literals_and_names() {
    let (_dir, client) = client(|_| {});
    let literal = client
        .send("127.0.0.1:8448", Method::GET, "/small", None)
        .await;
    assert!(
        matches!(literal, Err(ClientError::Denied(_))),
        "{literal:?}"
    );
    let name = client
        .send("localhost:8448", Method::GET, "/small", None)
        .await;
    let message = name.unwrap_err().to_string();
    assert!(message.contains("deny list"), "{message}");
}

#[tokio::test]
async fn loopback_is_reached_with_an_empty_deny_list_and_the_ca_file() {
    let peer = TlsPeer::start(peer_app()).await;
    let ca = peer.ca();
    let (_dir, client) = client(|config| {
        config.federation.ip_range_denylist.clear();
        config.federation.ca_file = Some(ca);
    });
    let answer = client
        .send(&peer.name, Method::GET, "/small", None)
        .await
        .unwrap();
    assert_eq!(answer, json!({"ok": true}));
}

#[tokio::test]
async fn unknown_certificates_fail_unless_verification_is_off() {
    let peer = TlsPeer::start(peer_app()).await;
    let (_dir, strict) = client(|config| config.federation.ip_range_denylist.clear());
    let refused = strict.send(&peer.name, Method::GET, "/small", None).await;
    assert!(
        matches!(refused, Err(ClientError::Transport { .. })),
        "{refused:?}"
    );
    let (_dir2, lax) = client(|config| {
        config.federation.ip_range_denylist.clear();
        config.federation.verify_tls = false;
    });
    assert!(lax
        .send(&peer.name, Method::GET, "/small", None)
        .await
        .is_ok());
}

#[tokio::test]
async fn responses_over_the_size_limit_are_refused() {
    let peer = TlsPeer::start(peer_app()).await;
    let (_dir, client) = client(|config| {
        config.federation.ip_range_denylist.clear();
        config.federation.verify_tls = false;
        config.federation.max_response_bytes = 1000;
    });
    let big = client.send(&peer.name, Method::GET, "/big", None).await;
    assert!(matches!(big, Err(ClientError::TooLarge(_))), "{big:?}");
}

#[tokio::test]
async fn disabled_federation_sends_nothing() {
    let (_dir, client) = client(|config| config.federation.enabled = false);
    let result = client.send("example.org", Method::GET, "/x", None).await;
    assert!(matches!(result, Err(ClientError::Disabled)), "{result:?}");
}
