//! End-to-end encryption endpoints against the real binary: `/keys/upload`,
//! `/keys/query`, `/keys/claim`, `/keys/changes`, `/sendToDevice`, device
//! deletion, cross-signing (`/keys/device_signing/upload`,
//! `/keys/signatures/upload`) and key backup (`/room_keys/…`).
//!
//! Signatures are real: ed25519 keys (`ed25519-dalek`) over canonical JSON
//! (keys sorted explicitly, no whitespace) of the object without
//! `signatures` and `unsigned`, encoded as unpadded standard base64.

use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use complement_tests::canonical::{b64, canonical};
use complement_tests::encode::path_segment as enc;
use complement_tests::{json, Client, Method, TestServer, Value, PASSWORD};
use ed25519_dalek::{Signer, SigningKey};

const V3: &str = "/_matrix/client/v3";
const SYNC_LIMIT: Duration = Duration::from_secs(10);

static SEED: AtomicU8 = AtomicU8::new(1);

/// A fresh signing key (distinct seeds within this process).
fn new_key() -> SigningKey {
    let seed = SEED.fetch_add(1, Ordering::Relaxed);
    let mut bytes = [seed; 32];
    bytes[0] = 0xA5;
    SigningKey::from_bytes(&bytes)
}

fn public(key: &SigningKey) -> String {
    b64(&key.verifying_key().to_bytes())
}

/// Adds `signatures[signer]["ed25519:{key_id}"]` to `value`.
fn sign(mut value: Value, signer: &str, key_id: &str, key: &SigningKey) -> Value {
    let mut stripped = value.clone();
    let object = stripped.as_object_mut().expect("signing an object");
    object.remove("signatures");
    object.remove("unsigned");
    let signature = b64(&key.sign(canonical(&stripped).as_bytes()).to_bytes());
    let entry = format!("ed25519:{key_id}");
    if !value["signatures"].is_object() {
        value["signatures"] = json!({});
    }
    if !value["signatures"][signer].is_object() {
        value["signatures"][signer] = json!({});
    }
    value["signatures"][signer][entry] = json!(signature);
    value
}

/// Self-signed device keys naming `user_id`/`device_id`.
fn device_keys(user_id: &str, device_id: &str, key: &SigningKey) -> Value {
    let keys = json!({
        "user_id": user_id,
        "device_id": device_id,
        "algorithms": ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
        "keys": {
            format!("curve25519:{device_id}"): "Y3VydmUyNTUxOS1wdWJsaWM",
            format!("ed25519:{device_id}"): public(key),
        },
    });
    sign(keys, user_id, device_id, key)
}

async fn upload(client: &Client, body: &Value) -> complement_tests::ApiResponse {
    client.post(&format!("{V3}/keys/upload"), body).await
}

async fn query(client: &Client, user_id: &str) -> Value {
    let body = json!({"device_keys": {user_id: []}});
    client.post(&format!("{V3}/keys/query"), &body).await.ok()
}

async fn claim(client: &Client, owner: &Client) -> Value {
    let body = json!({"one_time_keys": {&owner.user_id: {&owner.device_id: "signed_curve25519"}}});
    let answer = client.post(&format!("{V3}/keys/claim"), &body).await.ok();
    answer["one_time_keys"][&owner.user_id][&owner.device_id].clone()
}

async fn next_batch(client: &Client, since: Option<&str>) -> String {
    let body = client.sync(since, 0, None).await;
    body["next_batch"].as_str().expect("next_batch").to_owned()
}

async fn two_users(server: &TestServer) -> (Client, Client) {
    let anon = server.client();
    (anon.register("alice").await, anon.register("bob").await)
}

#[tokio::test]
async fn signed_device_keys_are_accepted_and_returned_by_query() {
    let server = TestServer::start_default().await;
    let (alice, bob) = two_users(&server).await;
    let key = new_key();
    let body = json!({
        "device_keys": device_keys(&alice.user_id, &alice.device_id, &key),
        "one_time_keys": {
            "signed_curve25519:AAAA": {"key": "one"},
            "signed_curve25519:AAAB": {"key": "two"},
        },
    });
    let counts = upload(&alice, &body).await.ok();
    assert_eq!(
        counts["one_time_key_counts"]["signed_curve25519"], 2,
        "{counts}"
    );
    let found = query(&bob, &alice.user_id).await;
    let device = &found["device_keys"][&alice.user_id][&alice.device_id];
    assert_eq!(device["device_id"], alice.device_id.as_str(), "{found}");
    assert_eq!(
        device["keys"][format!("ed25519:{}", alice.device_id)],
        public(&key).as_str()
    );
    let unknown = query(&bob, "@nobody:localhost").await;
    let none = unknown["device_keys"]["@nobody:localhost"]
        .as_object()
        .map_or(0, |m| m.len());
    assert_eq!(none, 0, "unknown user has device keys: {unknown}");
}

#[tokio::test]
async fn bad_signature_or_foreign_device_keys_are_rejected() {
    let server = TestServer::start_default().await;
    let (alice, _bob) = two_users(&server).await;
    let key = new_key();
    let mut tampered = device_keys(&alice.user_id, &alice.device_id, &key);
    tampered["keys"][format!("curve25519:{}", alice.device_id)] = json!("c3dhcHBlZA");
    let reply = upload(&alice, &json!({"device_keys": tampered})).await;
    assert_eq!(reply.status, 400, "tampered keys accepted: {reply:?}");
    let other_device = device_keys(&alice.user_id, "SOMEONEELSE", &key);
    let reply = upload(&alice, &json!({"device_keys": other_device})).await;
    assert_eq!(reply.status, 400, "other device's keys accepted: {reply:?}");
    let other_user = device_keys("@bob:localhost", &alice.device_id, &key);
    let reply = upload(&alice, &json!({"device_keys": other_user})).await;
    assert_eq!(reply.status, 400, "other user's keys accepted: {reply:?}");
    let found = query(&alice, &alice.user_id).await;
    let count = found["device_keys"][&alice.user_id]
        .as_object()
        .map_or(0, |m| m.len());
    assert_eq!(count, 0, "rejected keys stored: {found}");
}

#[tokio::test]
async fn claim_hands_out_each_key_once_then_the_fallback() {
    let server = TestServer::start_default().await;
    let (alice, bob) = two_users(&server).await;
    let body = json!({
        "device_keys": device_keys(&alice.user_id, &alice.device_id, &new_key()),
        "one_time_keys": {"signed_curve25519:AAAA": {"key": "one"}},
        "fallback_keys": {"signed_curve25519:FFFF": {"key": "fallback", "fallback": true}},
    });
    upload(&alice, &body).await.ok();
    let first = claim(&bob, &alice).await;
    assert_eq!(first["signed_curve25519:AAAA"]["key"], "one", "{first}");
    let second = claim(&bob, &alice).await;
    assert!(
        second.get("signed_curve25519:AAAA").is_none(),
        "handed out twice: {second}"
    );
    assert_eq!(
        second["signed_curve25519:FFFF"]["key"], "fallback",
        "{second}"
    );
    let third = claim(&bob, &alice).await;
    assert!(third.get("signed_curve25519:AAAA").is_none(), "{third}");
    let sync = alice.sync(None, 0, None).await;
    assert_eq!(
        sync["device_one_time_keys_count"]["signed_curve25519"]
            .as_u64()
            .unwrap_or(0),
        0
    );
    let unused = sync["device_unused_fallback_key_types"].as_array().cloned();
    assert_eq!(unused.unwrap_or_default(), Vec::<Value>::new(), "{sync}");
    let counts = upload(&alice, &json!({})).await.ok();
    assert_eq!(
        counts["one_time_key_counts"]["signed_curve25519"]
            .as_u64()
            .unwrap_or(0),
        0
    );
}

#[tokio::test]
async fn keys_changes_lists_a_user_whose_keys_changed() {
    let server = TestServer::start_default().await;
    let (alice, bob) = two_users(&server).await;
    let room = alice.create_room(json!({"preset": "public_chat"})).await;
    bob.join(&room).await;
    let from = next_batch(&bob, None).await;
    let keys = device_keys(&alice.user_id, &alice.device_id, &new_key());
    upload(&alice, &json!({"device_keys": keys})).await.ok();
    let alice_id = alice.user_id.clone();
    let (_, to) = bob
        .sync_until(Some(&from), SYNC_LIMIT, |body| {
            let changed = body["device_lists"]["changed"].as_array()?;
            changed.iter().any(|u| u == alice_id.as_str()).then_some(())
        })
        .await;
    let path = format!("{V3}/keys/changes?from={}&to={}", enc(&from), enc(&to));
    let changes = bob.get(&path).await.ok();
    let changed = changes["changed"].as_array().cloned().unwrap_or_default();
    assert!(changed.contains(&json!(alice.user_id)), "{changes}");
}

fn to_device_body(target: &Client, content: Value) -> Value {
    json!({"messages": {&target.user_id: {&target.device_id: content}}})
}

fn to_device_events(body: &Value) -> Vec<Value> {
    body["to_device"]["events"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn to_device_replayed_txn_is_delivered_once_and_gone_after_since() {
    let server = TestServer::start_default().await;
    let (alice, bob) = two_users(&server).await;
    let since = next_batch(&bob, None).await;
    let path = format!("{V3}/sendToDevice/m.room.encrypted/replayed-txn");
    let body = to_device_body(&bob, json!({"secret": 1}));
    alice.put(&path, &body).await.ok();
    alice.put(&path, &body).await.ok();
    let (events, next) = bob
        .sync_until(Some(&since), SYNC_LIMIT, |body| {
            let events = to_device_events(body);
            (!events.is_empty()).then_some(events)
        })
        .await;
    assert_eq!(
        events.len(),
        1,
        "replayed txnId delivered twice: {events:?}"
    );
    assert_eq!(events[0]["sender"], alice.user_id.as_str());
    assert_eq!(events[0]["type"], "m.room.encrypted");
    assert_eq!(events[0]["content"]["secret"], 1);
    let after = bob.sync(Some(&next), 0, None).await;
    assert!(to_device_events(&after).is_empty(), "redelivered: {after}");
    let later = bob.sync(Some(&next), 0, None).await;
    assert!(to_device_events(&later).is_empty(), "redelivered: {later}");
}

#[tokio::test]
async fn to_device_survives_a_restart_before_delivery() {
    let mut server = TestServer::start_default().await;
    let (alice, bob) = two_users(&server).await;
    let since = next_batch(&bob, None).await;
    let body = to_device_body(&bob, json!({"kept": "across restart"}));
    alice
        .put(
            &format!("{V3}/sendToDevice/org.example.ping/restart1"),
            &body,
        )
        .await
        .ok();
    server.restart().await;
    let (event, _) = bob
        .sync_until(Some(&since), SYNC_LIMIT, |body| {
            to_device_events(body).first().cloned()
        })
        .await;
    assert_eq!(event["content"]["kept"], "across restart", "{event}");
}

/// `DELETE /devices/{id}` with the password stage.
async fn delete_device(client: &Client, device_id: &str) {
    let path = format!("{V3}/devices/{}", enc(device_id));
    let first = client
        .request(Method::DELETE, &path, Some(&json!({})))
        .await;
    if first.status == 200 {
        return;
    }
    assert_eq!(first.status, 401, "{first:?}");
    let body = json!({"auth": {
        "type": "m.login.password",
        "identifier": {"type": "m.id.user", "user": client.user_id},
        "password": PASSWORD,
        "session": first.body["session"],
    }});
    client
        .request(Method::DELETE, &path, Some(&body))
        .await
        .ok();
}

#[tokio::test]
async fn deleting_a_device_removes_its_keys() {
    let server = TestServer::start_default().await;
    let (alice, bob) = two_users(&server).await;
    let phone = server.client().login("alice", PASSWORD).await;
    let keys = device_keys(&phone.user_id, &phone.device_id, &new_key());
    upload(&phone, &json!({"device_keys": keys})).await.ok();
    let before = query(&bob, &alice.user_id).await;
    assert!(
        before["device_keys"][&alice.user_id][&phone.device_id].is_object(),
        "{before}"
    );
    delete_device(&alice, &phone.device_id).await;
    let after = query(&bob, &alice.user_id).await;
    assert!(
        after["device_keys"][&alice.user_id]
            .get(&phone.device_id)
            .is_none(),
        "deleted device's keys still listed: {after}"
    );
}

/// A cross-signing key object for `usage`; its key ID is its public key.
fn cross_key(user_id: &str, usage: &str, key: &SigningKey) -> Value {
    json!({"user_id": user_id, "usage": [usage], "keys": {format!("ed25519:{}", public(key)): public(key)}})
}

#[tokio::test]
async fn cross_signing_first_upload_free_then_uia() {
    let server = TestServer::start_default().await;
    let (alice, _bob) = two_users(&server).await;
    let (master, ssk, usk) = (new_key(), new_key(), new_key());
    let me = alice.user_id.as_str();
    let mpub = public(&master);
    let body = json!({
        "master_key": cross_key(me, "master", &master),
        "self_signing_key": sign(cross_key(me, "self_signing", &ssk), me, &mpub, &master),
        "user_signing_key": sign(cross_key(me, "user_signing", &usk), me, &mpub, &master),
    });
    let path = format!("{V3}/keys/device_signing/upload");
    alice.post(&path, &body).await.ok();
    let replaced = sign(
        cross_key(me, "user_signing", &new_key()),
        me,
        &mpub,
        &master,
    );
    let challenge = alice
        .post(&path, &json!({"user_signing_key": replaced}))
        .await;
    assert_eq!(challenge.status, 401, "replaced without UIA: {challenge:?}");
    assert!(challenge.body["flows"].is_array(), "{challenge:?}");
    assert!(challenge.body["session"].is_string(), "{challenge:?}");
    let found = query(&alice, me).await;
    assert!(found["master_keys"][me].is_object(), "{found}");
}

#[tokio::test]
async fn signatures_upload_reports_a_bad_signature() {
    let server = TestServer::start_default().await;
    let (alice, _bob) = two_users(&server).await;
    let me = alice.user_id.clone();
    let device_key = new_key();
    let keys = device_keys(&me, &alice.device_id, &device_key);
    upload(&alice, &json!({"device_keys": keys})).await.ok();
    let (master, ssk) = (new_key(), new_key());
    let mpub = public(&master);
    let body = json!({
        "master_key": cross_key(&me, "master", &master),
        "self_signing_key": sign(cross_key(&me, "self_signing", &ssk), &me, &mpub, &master),
    });
    alice
        .post(&format!("{V3}/keys/device_signing/upload"), &body)
        .await
        .ok();
    let found = query(&alice, &me).await;
    let mut device = found["device_keys"][&me][&alice.device_id].clone();
    device
        .as_object_mut()
        .expect("device keys")
        .remove("unsigned");
    let path = format!("{V3}/keys/signatures/upload");
    let good = sign(device.clone(), &me, &public(&ssk), &ssk);
    let answer = alice
        .post(&path, &json!({&me: {&alice.device_id: good}}))
        .await
        .ok();
    let failures = answer["failures"].as_object().map_or(0, |m| m.len());
    assert_eq!(failures, 0, "good signature refused: {answer}");
    let forged = sign(device, &me, &public(&ssk), &new_key());
    let answer = alice
        .post(&path, &json!({&me: {&alice.device_id: forged}}))
        .await
        .ok();
    assert!(
        answer["failures"][&me][&alice.device_id].is_object(),
        "{answer}"
    );
}

fn session_data(index: u64, verified: bool) -> Value {
    json!({"first_message_index": index, "forwarded_count": 0, "is_verified": verified,
           "session_data": {"ephemeral": "e", "ciphertext": format!("c{index}"), "mac": "m"}})
}

async fn create_backup(client: &Client) -> String {
    let body = json!({"algorithm": "m.megolm_backup.v1.curve25519-aes-sha2",
                      "auth_data": {"public_key": "cHVibGljLWtleQ"}});
    let created = client
        .post(&format!("{V3}/room_keys/version"), &body)
        .await
        .ok();
    created["version"].as_str().expect("version").to_owned()
}

#[tokio::test]
async fn key_backup_versions_and_sessions() {
    let server = TestServer::start_default().await;
    let (alice, _bob) = two_users(&server).await;
    let none = alice.get(&format!("{V3}/room_keys/version")).await;
    none.assert_error(404, "M_NOT_FOUND");
    let version = create_backup(&alice).await;
    let info = alice.get(&format!("{V3}/room_keys/version")).await.ok();
    assert_eq!(info["version"], version.as_str(), "{info}");
    let room = enc("!room:localhost");
    let session = format!("{V3}/room_keys/keys/{room}/sess1?version={version}");
    let stored = alice.put(&session, &session_data(3, false)).await.ok();
    assert_eq!(stored["count"], 1, "{stored}");
    assert!(stored["etag"].is_string(), "{stored}");
    let got = alice.get(&session).await.ok();
    assert_eq!(got["session_data"]["ciphertext"], "c3", "{got}");
    let worse = alice.put(&session, &session_data(7, false)).await.ok();
    assert_eq!(worse["etag"], stored["etag"], "{worse}");
    let kept = alice.get(&session).await.ok();
    assert_eq!(
        kept["first_message_index"], 3,
        "worse session replaced: {kept}"
    );
    let info = alice.get(&format!("{V3}/room_keys/version")).await.ok();
    assert_eq!(
        (info["count"].as_u64(), info["etag"].clone()),
        (Some(1), stored["etag"].clone())
    );
    let newer = create_backup(&alice).await;
    assert_ne!(newer, version);
    let reply = alice.put(&session, &session_data(0, true)).await;
    reply.assert_error(403, "M_WRONG_ROOM_KEYS_VERSION");
}
