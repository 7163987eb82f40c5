//! Keys through a trusted notary when the server itself is unreachable: kept
//! when the answer carries both the server's and the notary's signature,
//! refused when the notary did not sign.

use std::sync::{Arc, OnceLock};

use axum::{routing::get, routing::post, Json, Router};
use plexus_core::{pdu::SigningKey, time::now_millis, Config};
use ruma::{signatures::sign_json, CanonicalJsonObject};
use serde_json::{json, Value};

use crate::{testing::TlsPeer, Federation};

/// Unreachable: nothing listens on port 1.
const REMOTE: &str = "127.0.0.1:1";

fn key(server: &str, version: &str) -> SigningKey {
    SigningKey::from_pkcs8(
        server.try_into().unwrap(),
        &SigningKey::generate_pkcs8(),
        version,
    )
    .unwrap()
}

fn sign(value: Value, server: &str, key: &SigningKey) -> Value {
    let mut object: CanonicalJsonObject = serde_json::from_value(value).unwrap();
    sign_json(server, &key.key_pair, &mut object).unwrap();
    serde_json::to_value(object).unwrap()
}

fn key_document(server: &str, key: &SigningKey) -> Value {
    let document = json!({
        "server_name": server,
        "valid_until_ts": now_millis() + 3_600_000,
        "verify_keys": {key.key_id(): {"key": key.public_key_base64()}},
    });
    sign(document, server, key)
}

/// A notary answering for [`REMOTE`]; `cosign` decides whether it signs its answer.
async fn notary(remote_key: &SigningKey, cosign: bool) -> TlsPeer {
    let answers: Arc<OnceLock<(Value, Value)>> = Arc::default();
    let (own, query) = (answers.clone(), answers.clone());
    let app = Router::new()
        .route(
            "/_matrix/key/v2/server",
            get(move || async move { Json(own.get().unwrap().0.clone()) }),
        )
        .route(
            "/_matrix/key/v2/query",
            post(move || async move { Json(query.get().unwrap().1.clone()) }),
        );
    let peer = TlsPeer::start(app).await;
    let notary_key = key(&peer.name, "n1");
    let mut remote_document = key_document(REMOTE, remote_key);
    if cosign {
        remote_document = sign(remote_document, &peer.name, &notary_key);
    }
    let answer = json!({"server_keys": [remote_document]});
    answers
        .set((key_document(&peer.name, &notary_key), answer))
        .unwrap();
    peer
}

fn federation(notary: &TlsPeer) -> (tempfile::TempDir, Arc<Federation>) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config {
        data_dir: dir.path().to_owned(),
        ..Config::default()
    };
    config.federation.enabled = true;
    config.federation.ip_range_denylist.clear();
    config.federation.ca_file = Some(notary.ca());
    config.federation.trusted_key_servers = vec![notary.name.clone()];
    let services = plexus_service::Services::open(config).unwrap();
    (dir, Federation::new(services).unwrap())
}

#[tokio::test]
async fn keys_signed_by_server_and_notary_are_used() {
    let remote_key = key(REMOTE, "r1");
    let notary = notary(&remote_key, true).await;
    let (_dir, federation) = federation(&notary);
    let key = federation
        .keys
        .public_key(REMOTE, &remote_key.key_id(), now_millis(), false)
        .await;
    assert_eq!(key.unwrap(), remote_key.key_pair.public_key().to_vec());
}

#[tokio::test]
async fn answers_the_notary_did_not_sign_are_refused() {
    let remote_key = key(REMOTE, "r1");
    let notary = notary(&remote_key, false).await;
    let (_dir, federation) = federation(&notary);
    let key = federation
        .keys
        .public_key(REMOTE, &remote_key.key_id(), now_millis(), false)
        .await;
    assert!(key.is_err(), "{key:?}");
}
