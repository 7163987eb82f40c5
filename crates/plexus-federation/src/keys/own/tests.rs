//! Our key document: self-signed, a week of validity, retired keys in `old_verify_keys`.

use std::sync::Arc;

use plexus_core::{pdu::SigningKey, time::now_millis, Config};
use plexus_service::{tables::FederationOwnKeys, Services};
use plexus_storage::Json;
use serde_json::json;

use super::*;
use crate::keys::ServerKeys;

fn services() -> (tempfile::TempDir, Arc<Services>) {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().to_owned(),
        ..Config::default()
    };
    let services = Services::open(config).unwrap();
    (dir, services)
}

#[test]
fn the_key_document_verifies_with_its_own_key() {
    let (_dir, services) = services();
    register(&services).unwrap();
    let document = server_keys(&services).unwrap();
    let keys = ServerKeys::verify_self_signed(&document, "localhost").unwrap();
    assert!(keys.verify_keys.contains_key(&services.key.key_id()));
    assert!(keys.old_verify_keys.is_empty());
    assert!(keys.valid_until_ts > now_millis() + VALIDITY_MS - 60_000);
    assert!(ServerKeys::verify_self_signed(&document, "other.example").is_err());
    let mut tampered = document.clone();
    tampered["valid_until_ts"] = json!(u32::MAX);
    assert!(ServerKeys::verify_self_signed(&tampered, "localhost").is_err());
}

#[test]
fn a_replaced_key_moves_to_old_verify_keys() {
    let (_dir, services) = services();
    let retired = SigningKey::from_pkcs8(
        "localhost".try_into().unwrap(),
        &SigningKey::generate_pkcs8(),
        "old",
    )
    .unwrap();
    let record = Json(json!({"key": retired.public_key_base64()}));
    services
        .db
        .put::<FederationOwnKeys>(&retired.key_id(), &record)
        .unwrap();
    register(&services).unwrap();
    register(&services).unwrap(); // idempotent: the expiry stays the first one

    let document = server_keys(&services).unwrap();
    let keys = ServerKeys::verify_self_signed(&document, "localhost").unwrap();
    let old = &keys.old_verify_keys[&retired.key_id()];
    assert_eq!(old.key, retired.public_key_base64());
    assert!(old.expired_ts <= now_millis());

    let before = old.expired_ts - 1;
    assert!(public_key(&services, &retired.key_id(), before, true).is_ok());
    assert!(public_key(&services, &retired.key_id(), before, false).is_err());
    assert!(public_key(&services, &retired.key_id(), old.expired_ts + 1, true).is_err());
    assert!(public_key(&services, &services.key.key_id(), now_millis(), false).is_ok());
}
