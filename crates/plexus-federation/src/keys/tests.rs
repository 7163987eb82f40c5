//! Key validity rules and the key map for event signatures, without network:
//! keys of our own server and responses placed in the cache table directly.

use std::collections::{BTreeMap, BTreeSet};

use plexus_core::{pdu::SigningKey, time::now_millis, Config};
use plexus_service::tables::FederationRemoteKeys;
use plexus_storage::Json;
use serde_json::json;

use super::{own, ServerKeys};
use crate::Federation;

fn federation() -> (tempfile::TempDir, std::sync::Arc<Federation>) {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().to_owned(),
        ..Config::default()
    };
    let services = plexus_service::Services::open(config).unwrap();
    (dir, Federation::new(services).unwrap())
}

#[test]
fn current_keys_expire_with_valid_until_ts_and_old_keys_with_expired_ts() {
    let keys = ServerKeys::parse(&json!({
        "server_name": "a.example",
        "valid_until_ts": 1000,
        "verify_keys": {"ed25519:new": {"key": "AAAA"}},
        "old_verify_keys": {"ed25519:old": {"key": "AAAA", "expired_ts": 500}},
    }))
    .unwrap();
    assert!(keys.key_valid_at("ed25519:new", 1000, false).is_some());
    assert!(keys.key_valid_at("ed25519:new", 1001, false).is_none());
    assert!(keys.key_valid_at("ed25519:old", 499, true).is_some());
    assert!(keys.key_valid_at("ed25519:old", 499, false).is_none());
    assert!(keys.key_valid_at("ed25519:old", 500, true).is_none());
}

#[tokio::test]
async fn cached_remote_keys_are_used_until_they_expire() {
    let (_dir, federation) = federation();
    let remote = SigningKey::from_pkcs8(
        "remote.invalid".try_into().unwrap(),
        &SigningKey::generate_pkcs8(),
        "r1",
    )
    .unwrap();
    let until = now_millis() + 60_000;
    let response = json!({
        "server_name": "remote.invalid",
        "valid_until_ts": until,
        "verify_keys": {remote.key_id(): {"key": remote.public_key_base64()}},
    });
    let row = ("remote.invalid".to_owned(), remote.key_id());
    federation
        .services
        .db
        .put::<FederationRemoteKeys>(&row, &Json(response))
        .unwrap();
    let key = federation
        .keys
        .public_key("remote.invalid", &remote.key_id(), now_millis(), false)
        .await;
    assert_eq!(key.unwrap(), remote.key_pair.public_key().to_vec());
    // Past valid_until_ts the cache is not enough; the server cannot be reached (federation is off).
    let later = federation
        .keys
        .public_key("remote.invalid", &remote.key_id(), until + 1, false)
        .await;
    assert!(later.is_err());
}

#[tokio::test]
async fn the_key_map_holds_the_keys_that_could_be_had() {
    let (_dir, federation) = federation();
    let ours = federation.services.key.key_id();
    let wanted = BTreeMap::from([(
        "localhost".to_owned(),
        BTreeSet::from([ours.clone(), "ed25519:unknown".to_owned()]),
    )]);
    let map = federation.keys.public_key_map(&wanted, now_millis()).await;
    let set = &map["localhost"];
    assert_eq!(set.len(), 1);
    assert_eq!(
        set[&ours].as_bytes(),
        federation.services.key.key_pair.public_key()
    );
    let document = own::server_keys(&federation.services).unwrap();
    assert!(ServerKeys::verify_self_signed(&document, "localhost").is_ok());
}
