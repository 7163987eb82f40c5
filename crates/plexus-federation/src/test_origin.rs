//! Test helpers for in-process federation endpoint tests: a fake remote
//! server (`remote.example`) whose key is put straight into the key cache,
//! requests it signs with `X-Matrix`, and a router over a fresh database.

use std::sync::Arc;

use axum::{body::Body, http::Request};
use plexus_core::{config::Switch, pdu::SigningKey, time::now_millis, Config};
use plexus_service::{tables::FederationRemoteKeys, Services};
use plexus_storage::Json;
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::xmatrix::sign::SignedRequest;

/// The fake remote server's name.
pub const ORIGIN: &str = "remote.example";

/// A server with federation routes, and a fake origin that may call them.
pub struct Harness {
    _dir: tempfile::TempDir,
    pub services: Arc<Services>,
    pub router: axum::Router,
    pub origin_key: SigningKey,
}

impl Harness {
    pub fn new() -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            data_dir: dir.path().to_owned(),
            rate_limits: Switch::Off,
            ..Config::default()
        };
        let services = Services::open(config).unwrap();
        let router = crate::router(services.clone()).unwrap();
        let origin_key = trusted_key(&services, ORIGIN);
        Harness {
            _dir: dir,
            services,
            router,
            origin_key,
        }
    }

    /// Sends a request signed by `remote.example`; returns status and JSON body.
    pub async fn call(&self, method: &str, uri: &str, body: Option<Value>) -> (u16, Value) {
        self.call_as(&self.origin_key, method, uri, body).await
    }

    /// Like [`Harness::call`], signed by another fake server (see [`trusted_key`]).
    pub async fn call_as(
        &self,
        key: &SigningKey,
        method: &str,
        uri: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let signed = SignedRequest {
            method,
            uri,
            origin: key.server_name.as_str(),
            destination: self.services.server_name().as_str(),
            content: body.as_ref(),
        };
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header("Authorization", signed.authorization(key).unwrap())
            .header("Content-Type", "application/json");
        let body = body.map_or(Body::empty(), |b| Body::from(b.to_string()));
        let response = self
            .router
            .clone()
            .oneshot(request.body(body).unwrap())
            .await
            .unwrap();
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
            .await
            .unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }
}

/// A fresh key for `server`, stored in the key cache as if fetched.
pub fn trusted_key(services: &Services, server: &str) -> SigningKey {
    let key = SigningKey::from_pkcs8(
        server.try_into().unwrap(),
        &SigningKey::generate_pkcs8(),
        "test",
    )
    .unwrap();
    let document = json!({
        "server_name": server,
        "valid_until_ts": now_millis() + 3_600_000,
        "verify_keys": {key.key_id(): {"key": key.public_key_base64()}},
        "old_verify_keys": {},
    });
    services
        .db
        .put::<FederationRemoteKeys>(&(server.to_owned(), key.key_id()), &Json(document))
        .unwrap();
    key
}

/// Percent-encodes an ID for a path or query.
pub fn enc(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}
