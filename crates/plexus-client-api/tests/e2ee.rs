//! End-to-end encryption over the client API: key upload, query, claim and
//! changes; cross-signing; to-device messages through /sync; key backup.
//! Keys are signed with real ed25519 keys.

mod common;

use common::{seg, v3, TestServer, User, PASSWORD};
use ruma::{
    serde::{base64::Standard, Base64},
    signatures::{sign_json, Ed25519KeyPair},
    CanonicalJsonObject,
};
use serde_json::{json, Value};

fn keypair(version: &str) -> Ed25519KeyPair {
    Ed25519KeyPair::from_der(&Ed25519KeyPair::generate(), version.to_owned()).unwrap()
}

fn public(pair: &Ed25519KeyPair) -> String {
    Base64::<Standard, _>::new(pair.public_key().to_vec()).encode()
}

/// A cross-signing key pair: its key ID is its own public key.
fn cross_keypair() -> Ed25519KeyPair {
    let der = Ed25519KeyPair::generate();
    let name = public(&Ed25519KeyPair::from_der(&der, "tmp".into()).unwrap());
    Ed25519KeyPair::from_der(&der, name).unwrap()
}

fn sign(value: Value, signer: &str, pair: &Ed25519KeyPair) -> Value {
    let mut object: CanonicalJsonObject = serde_json::from_value(value).unwrap();
    sign_json(signer, pair, &mut object).unwrap();
    serde_json::to_value(object).unwrap()
}

/// The device keys of `user`'s session, self-signed.
fn device_keys(user: &User, pair: &Ed25519KeyPair) -> Value {
    let device = &user.device_id;
    let keys = json!({
        "user_id": user.user_id, "device_id": device,
        "algorithms": ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
        "keys": { format!("curve25519:{device}"): "curve25519-public", format!("ed25519:{device}"): public(pair) },
    });
    sign(keys, &user.user_id, pair)
}

async fn next_batch(server: &TestServer, user: &User, since: Option<&str>) -> Value {
    let path = match since {
        Some(since) => v3(&format!("/sync?since={since}&timeout=0")),
        None => v3("/sync?timeout=0"),
    };
    server.get(user, &path).await.ok()
}

/// Alice and Bob, sharing a room.
async fn two_users(server: &TestServer) -> (User, User) {
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    let room = server
        .create_room(&alice, json!({ "preset": "public_chat" }))
        .await;
    server.join(&bob, &room).await;
    (alice, bob)
}

#[tokio::test]
async fn keys_upload_query_claim_and_changes() {
    let server = TestServer::new();
    let (alice, bob) = two_users(&server).await;
    let since = next_batch(&server, &bob, None).await["next_batch"]
        .as_str()
        .unwrap()
        .to_owned();
    let upload = json!({
        "device_keys": device_keys(&alice, &keypair(&alice.device_id)),
        "one_time_keys": { "signed_curve25519:AAAA": { "key": "one" } },
        "fallback_keys": { "signed_curve25519:FFFF": { "key": "fallback", "fallback": true } },
    });
    let counts = server.post(&alice, &v3("/keys/upload"), &upload).await.ok();
    assert_eq!(counts["one_time_key_counts"]["signed_curve25519"], 1);

    let sync = next_batch(&server, &bob, Some(&since)).await;
    assert_eq!(sync["device_lists"]["changed"], json!([alice.user_id]));
    let to = sync["next_batch"].as_str().unwrap();
    let changes = server
        .get(&bob, &v3(&format!("/keys/changes?from={since}&to={to}")))
        .await
        .ok();
    assert_eq!(changes["changed"], json!([alice.user_id]));

    let query = json!({ "device_keys": { alice.user_id.clone(): [] } });
    let found = server.post(&bob, &v3("/keys/query"), &query).await.ok();
    assert_eq!(
        found["device_keys"][&alice.user_id][&alice.device_id]["device_id"],
        alice.device_id
    );
    let remote = server
        .post(
            &bob,
            &v3("/keys/query"),
            &json!({ "device_keys": { "@x:elsewhere.example": [] } }),
        )
        .await
        .ok();
    assert!(
        remote["failures"]["elsewhere.example"].is_object(),
        "{remote}"
    );

    let claim = json!({ "one_time_keys": { alice.user_id.clone(): { alice.device_id.clone(): "signed_curve25519" } } });
    let first = server.post(&bob, &v3("/keys/claim"), &claim).await.ok();
    assert_eq!(
        first["one_time_keys"][&alice.user_id][&alice.device_id]["signed_curve25519:AAAA"]["key"],
        "one"
    );
    let second = server.post(&bob, &v3("/keys/claim"), &claim).await.ok();
    assert_eq!(
        second["one_time_keys"][&alice.user_id][&alice.device_id]["signed_curve25519:FFFF"]["key"],
        "fallback"
    );
    let alice_sync = next_batch(&server, &alice, None).await;
    assert_eq!(
        alice_sync["device_one_time_keys_count"]["signed_curve25519"],
        0
    );
    assert_eq!(alice_sync["device_unused_fallback_key_types"], json!([]));

    let unknown = json!({ "one_time_keys": { alice.user_id.clone(): { "NOSUCHDEVICE": "signed_curve25519" } } });
    assert_eq!(
        server.post(&bob, &v3("/keys/claim"), &unknown).await.ok()["one_time_keys"],
        json!({})
    );
}

#[tokio::test]
async fn device_keys_with_a_bad_signature_or_foreign_ids_are_rejected() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let pair = keypair(&alice.device_id);
    let mut tampered = device_keys(&alice, &pair);
    tampered["keys"][format!("curve25519:{}", alice.device_id)] = json!("swapped");
    let reply = server
        .post(
            &alice,
            &v3("/keys/upload"),
            &json!({ "device_keys": tampered }),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 400, "{}", reply.body);
    let mut other = alice.clone();
    other.device_id = "SOMEONEELSE".into();
    let foreign = device_keys(&other, &keypair("SOMEONEELSE"));
    let reply = server
        .post(
            &alice,
            &v3("/keys/upload"),
            &json!({ "device_keys": foreign }),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 400, "{}", reply.body);
    let query = server
        .post(
            &alice,
            &v3("/keys/query"),
            &json!({ "device_keys": { alice.user_id.clone(): [] } }),
        )
        .await
        .ok();
    assert_eq!(query["device_keys"][&alice.user_id], json!({}));
}

#[tokio::test]
async fn to_device_is_delivered_once_and_gone_after_the_next_since() {
    let server = TestServer::new();
    let (alice, bob) = two_users(&server).await;
    let bob_phone = server.login(&bob).await;
    let message =
        json!({ "messages": { bob.user_id.clone(): { bob.device_id.clone(): { "secret": 1 } } } });
    for _ in 0..2 {
        server
            .put(&alice, &v3("/sendToDevice/m.test/txn1"), &message)
            .await
            .ok();
    }
    let everyone = json!({ "messages": { bob.user_id.clone(): { "*": { "secret": 2 } } } });
    server
        .put(&alice, &v3("/sendToDevice/m.test/txn2"), &everyone)
        .await
        .ok();

    let first = next_batch(&server, &bob, None).await;
    let events = first["to_device"]["events"].as_array().unwrap().clone();
    let secrets: Vec<_> = events
        .iter()
        .map(|e| e["content"]["secret"].clone())
        .collect();
    assert_eq!(secrets, [json!(1), json!(2)], "{first}");
    assert_eq!(events[0]["sender"], alice.user_id);
    assert_eq!(events[0]["type"], "m.test");
    let phone = next_batch(&server, &bob_phone, None).await;
    assert_eq!(phone["to_device"]["events"].as_array().unwrap().len(), 1);

    let since = first["next_batch"].as_str().unwrap();
    let second = next_batch(&server, &bob, Some(since)).await;
    assert_eq!(second["to_device"]["events"], json!([]));
    let again = next_batch(&server, &bob, None).await;
    assert_eq!(
        again["to_device"]["events"],
        json!([]),
        "acknowledged messages are deleted"
    );
}

#[tokio::test]
async fn cross_signing_first_upload_is_free_then_needs_the_password() {
    let server = TestServer::new();
    let (alice, bob) = two_users(&server).await;
    let pair = keypair(&alice.device_id);
    server
        .post(
            &alice,
            &v3("/keys/upload"),
            &json!({ "device_keys": device_keys(&alice, &pair) }),
        )
        .await
        .ok();
    let (master, ssk, usk) = (cross_keypair(), cross_keypair(), cross_keypair());
    let key = |pair: &Ed25519KeyPair, usage: &str| json!({ "user_id": alice.user_id, "usage": [usage], "keys": { format!("ed25519:{}", public(pair)): public(pair) } });
    let body = json!({
        "master_key": key(&master, "master"),
        "self_signing_key": sign(key(&ssk, "self_signing"), &alice.user_id, &master),
        "user_signing_key": sign(key(&usk, "user_signing"), &alice.user_id, &master),
    });
    server
        .post(&alice, &v3("/keys/device_signing/upload"), &body)
        .await
        .ok();
    // Retrying the very same keys needs no password either; replacing one does.
    server
        .post(&alice, &v3("/keys/device_signing/upload"), &body)
        .await
        .ok();
    let new_usk = sign(
        key(&cross_keypair(), "user_signing"),
        &alice.user_id,
        &master,
    );
    let body = json!({ "user_signing_key": new_usk });
    let challenge = server
        .post(&alice, &v3("/keys/device_signing/upload"), &body)
        .await;
    assert_eq!(challenge.status.as_u16(), 401, "{}", challenge.body);
    let mut with_auth = body.clone();
    with_auth["auth"] = json!({
        "type": "m.login.password", "session": challenge.body["session"], "password": PASSWORD,
        "identifier": { "type": "m.id.user", "user": alice.user_id },
    });
    server
        .post(&alice, &v3("/keys/device_signing/upload"), &with_auth)
        .await
        .ok();

    let query = json!({ "device_keys": { alice.user_id.clone(): [] } });
    let own = server.post(&alice, &v3("/keys/query"), &query).await.ok();
    assert!(
        own["user_signing_keys"][&alice.user_id].is_object(),
        "the owner sees the user-signing key"
    );
    let seen_by_bob = server.post(&bob, &v3("/keys/query"), &query).await.ok();
    assert!(seen_by_bob["master_keys"][&alice.user_id].is_object());
    assert!(seen_by_bob["self_signing_keys"][&alice.user_id].is_object());
    assert!(
        seen_by_bob["user_signing_keys"]
            .get(&alice.user_id)
            .is_none(),
        "others never see it"
    );

    let mut device = own["device_keys"][&alice.user_id][&alice.device_id].clone();
    device.as_object_mut().unwrap().remove("unsigned");
    let signed = sign(device.clone(), &alice.user_id, &ssk);
    let upload = json!({ alice.user_id.clone(): { alice.device_id.clone(): signed } });
    let answer = server
        .post(&alice, &v3("/keys/signatures/upload"), &upload)
        .await
        .ok();
    assert_eq!(answer["failures"], json!({}));
    let forged = sign(device, &alice.user_id, &keypair(&public(&ssk)));
    let upload = json!({ alice.user_id.clone(): { alice.device_id.clone(): forged } });
    let answer = server
        .post(&alice, &v3("/keys/signatures/upload"), &upload)
        .await
        .ok();
    assert!(
        answer["failures"][&alice.user_id][&alice.device_id].is_object(),
        "{answer}"
    );
}

#[tokio::test]
async fn key_backup_versions_and_keys() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    assert_eq!(
        server
            .get(&alice, &v3("/room_keys/version"))
            .await
            .status
            .as_u16(),
        404
    );
    let version_body = json!({ "algorithm": "m.megolm_backup.v1.curve25519-aes-sha2", "auth_data": { "public_key": "abc" } });
    let created = server
        .post(&alice, &v3("/room_keys/version"), &version_body)
        .await
        .ok();
    let version = created["version"].as_str().unwrap().to_owned();
    let room = "!room:localhost";
    let session_path = v3(&format!(
        "/room_keys/keys/{}/sess1?version={version}",
        seg(room)
    ));
    let data = |index: u64| json!({ "first_message_index": index, "forwarded_count": 0, "is_verified": false, "session_data": { "i": index } });
    let stored = server.put(&alice, &session_path, &data(3)).await.ok();
    assert_eq!(stored["count"], 1);
    let worse = server.put(&alice, &session_path, &data(7)).await.ok();
    assert_eq!(worse["etag"], stored["etag"]);
    let all = json!({ "rooms": { room: { "sessions": { "sess1": data(1), "sess2": data(0) } } } });
    let both = server
        .put(
            &alice,
            &v3(&format!("/room_keys/keys?version={version}")),
            &all,
        )
        .await
        .ok();
    assert_eq!(both["count"], 2);
    assert_ne!(both["etag"], stored["etag"]);
    assert_eq!(
        server.get(&alice, &session_path).await.ok()["session_data"]["i"],
        1
    );
    let info = server.get(&alice, &v3("/room_keys/version")).await.ok();
    assert_eq!(
        (info["version"].as_str(), info["count"].as_u64()),
        (Some(version.as_str()), Some(2))
    );
    let listed = server
        .get(&alice, &v3(&format!("/room_keys/keys?version={version}")))
        .await
        .ok();
    assert!(listed["rooms"][room]["sessions"]["sess2"].is_object());
    let left = server.delete(&alice, &session_path, None).await.ok();
    assert_eq!(left["count"], 1);
    assert_eq!(server.get(&alice, &session_path).await.status.as_u16(), 404);
    server
        .delete(&alice, &v3(&format!("/room_keys/version/{version}")), None)
        .await
        .ok();
    assert_eq!(
        server
            .get(&alice, &v3("/room_keys/version"))
            .await
            .status
            .as_u16(),
        404
    );
}

#[tokio::test]
async fn a_reused_one_time_key_id_with_other_content_is_rejected() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let upload =
        |key: &str| json!({ "one_time_keys": { "signed_curve25519:SAME": { "key": key } } });
    server
        .post(&alice, &v3("/keys/upload"), &upload("a"))
        .await
        .ok();
    let retried = server
        .post(&alice, &v3("/keys/upload"), &upload("a"))
        .await
        .ok();
    assert_eq!(retried["one_time_key_counts"]["signed_curve25519"], 1);
    let reply = server.post(&alice, &v3("/keys/upload"), &upload("b")).await;
    assert_eq!(reply.status.as_u16(), 400, "{}", reply.body);
}

#[tokio::test]
async fn dehydrated_device_lifecycle() {
    let server = TestServer::new();
    let (alice, bob) = two_users(&server).await;
    let base = "/_matrix/client/unstable/org.matrix.msc3814.v1/dehydrated_device";
    assert_eq!(server.get(&alice, base).await.status.as_u16(), 404);
    let mut dehydrated = alice.clone();
    dehydrated.device_id = "DEHYDRATED".into();
    let body = json!({
        "device_id": "DEHYDRATED",
        "device_data": { "algorithm": "org.matrix.msc3814.v1.olm", "device_pickle": "encrypted" },
        "initial_device_display_name": "Dehydrated device",
        "device_keys": device_keys(&dehydrated, &keypair("DEHYDRATED")),
        "one_time_keys": { "signed_curve25519:K1": { "key": "k1" } },
    });
    assert_eq!(
        server.put(&alice, base, &body).await.ok()["device_id"],
        "DEHYDRATED"
    );
    assert_eq!(
        server.get(&alice, base).await.ok()["device_data"]["device_pickle"],
        "encrypted"
    );

    let message =
        json!({ "messages": { alice.user_id.clone(): { "DEHYDRATED": { "hello": "later" } } } });
    server
        .put(&bob, &v3("/sendToDevice/m.room.encrypted/t1"), &message)
        .await
        .ok();
    let events_path = format!("{base}/DEHYDRATED/events");
    let page = server.post(&alice, &events_path, &json!({})).await.ok();
    assert_eq!(page["events"][0]["content"]["hello"], "later");
    let next = server
        .post(
            &alice,
            &events_path,
            &json!({ "next_batch": page["next_batch"] }),
        )
        .await
        .ok();
    assert_eq!(next["events"], json!([]));
    assert_eq!(
        server
            .post(&bob, &events_path, &json!({}))
            .await
            .status
            .as_u16(),
        403
    );

    assert_eq!(
        server.delete(&alice, base, None).await.ok()["device_id"],
        "DEHYDRATED"
    );
    assert_eq!(server.get(&alice, base).await.status.as_u16(), 404);
}
