//! The E2EE endpoints for other servers, in process: a local user's device
//! list with keys and cross-signing keys (never the user-signing key), key
//! queries and one-time key claims for local users only.

use plexus_service::{users::NewDevice, Services};
use ruma::{
    serde::Base64,
    signatures::{sign_json, Ed25519KeyPair},
    CanonicalJsonObject, OwnedUserId, UserId,
};
use serde_json::{json, Value};

use crate::test_origin::{enc, Harness};

fn keypair(version: String) -> Ed25519KeyPair {
    Ed25519KeyPair::from_der(&Ed25519KeyPair::generate(), version).unwrap()
}

/// A cross-signing key pair: its key ID is its own public key.
fn cross_keypair() -> Ed25519KeyPair {
    let der = Ed25519KeyPair::generate();
    let name = public(&Ed25519KeyPair::from_der(&der, "tmp".into()).unwrap());
    Ed25519KeyPair::from_der(&der, name).unwrap()
}

fn public(pair: &Ed25519KeyPair) -> String {
    Base64::<ruma::serde::base64::Standard, _>::new(pair.public_key().to_vec()).encode()
}

fn sign(value: Value, user: &UserId, pair: &Ed25519KeyPair) -> Value {
    let mut object: CanonicalJsonObject = serde_json::from_value(value).unwrap();
    sign_json(user.as_str(), pair, &mut object).unwrap();
    serde_json::to_value(object).unwrap()
}

/// Alice with device `DEV` ("Phone"): signed device keys, one one-time key,
/// a master key and a user-signing key.
async fn alice(s: &Services) -> OwnedUserId {
    let alice = s
        .create_user("alice", Some("password123"), false)
        .await
        .unwrap();
    let device = NewDevice {
        device_id: Some("DEV".into()),
        display_name: Some("Phone".into()),
        refreshable: false,
    };
    s.login(&alice, device).unwrap();
    let pair = keypair("DEV".into());
    let keys = json!({
        "user_id": alice, "device_id": "DEV",
        "algorithms": ["m.olm.v1.curve25519-aes-sha2"],
        "keys": {"curve25519:DEV": "curve", "ed25519:DEV": public(&pair)},
    });
    let upload = json!({
        "device_keys": sign(keys, &alice, &pair),
        "one_time_keys": {"signed_curve25519:AAA": {"key": "otk"}},
    });
    s.upload_keys(&alice, "DEV", &upload).unwrap();
    let master = cross_keypair();
    let master_id = format!("ed25519:{}", public(&master));
    let user_signing = cross_keypair();
    let user_signing_key = json!({
        "user_id": alice, "usage": ["user_signing"],
        "keys": {format!("ed25519:{}", public(&user_signing)): public(&user_signing)},
    });
    let body = json!({
        "master_key": {"user_id": alice, "usage": ["master"], "keys": {master_id: public(&master)}},
        "user_signing_key": sign(user_signing_key, &alice, &master),
    });
    s.upload_cross_signing_keys(&alice, &body).unwrap();
    alice
}

#[tokio::test]
async fn user_devices_lists_devices_with_keys_names_and_master_key() {
    let h = Harness::new();
    let alice = alice(&h.services).await;
    let uri = format!(
        "/_matrix/federation/v1/user/devices/{}",
        enc(alice.as_str())
    );
    let (status, body) = h.call("GET", &uri, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user_id"], alice.as_str());
    // No update was ever sent (no other server shares a room with alice).
    assert_eq!(body["stream_id"], 0);
    let device = &body["devices"][0];
    assert_eq!(device["device_id"], "DEV");
    assert_eq!(device["device_display_name"], "Phone");
    assert_eq!(device["keys"]["keys"]["curve25519:DEV"], "curve");
    assert_eq!(body["master_key"]["usage"], json!(["master"]));
    assert!(body.get("user_signing_key").is_none());

    let uri = "/_matrix/federation/v1/user/devices/%40bob%3Aremote.example";
    let (status, _) = h.call("GET", uri, None).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn keys_query_answers_for_local_users_only_and_hides_user_signing_keys() {
    let h = Harness::new();
    let alice = alice(&h.services).await;
    let request = json!({"device_keys": {alice.as_str(): [], "@eve:elsewhere.example": []}});
    let uri = "/_matrix/federation/v1/user/keys/query";
    let (status, body) = h.call("POST", uri, Some(request)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["device_keys"][alice.as_str()]["DEV"].is_object());
    assert!(body["device_keys"].get("@eve:elsewhere.example").is_none());
    assert!(body["master_keys"][alice.as_str()].is_object());
    assert!(body.get("user_signing_keys").is_none());
    assert!(body.get("failures").is_none());
}

#[tokio::test]
async fn keys_claim_hands_out_each_one_time_key_once() {
    let h = Harness::new();
    let alice = alice(&h.services).await;
    let request = json!({"one_time_keys": {alice.as_str(): {"DEV": "signed_curve25519"}}});
    let uri = "/_matrix/federation/v1/user/keys/claim";
    let (status, body) = h.call("POST", uri, Some(request.clone())).await;
    assert_eq!(status, 200, "{body}");
    let claimed = &body["one_time_keys"][alice.as_str()]["DEV"]["signed_curve25519:AAA"];
    assert_eq!(claimed["key"], "otk");
    let (_, again) = h.call("POST", uri, Some(request)).await;
    assert_eq!(again["one_time_keys"], json!({}));
}
