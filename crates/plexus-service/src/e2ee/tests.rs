//! Unit tests of the E2EE services on a real database in a temp dir, with
//! real ed25519 signatures.

use std::sync::Arc;

use plexus_core::{config::Switch, Config};
use ruma::{
    serde::Base64,
    signatures::{sign_json, Ed25519KeyPair},
    CanonicalJsonObject, OwnedUserId, UserId,
};
use serde_json::{json, Value};

use super::{backup::compare_backup_keys, backup::BackupScope, to_device::ToDeviceSend};
use crate::{rooms::CreateRoom, users::NewDevice, ServiceError, Services};

struct Fixture {
    services: Arc<Services>,
    _dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().to_owned(),
        rate_limits: Switch::Off,
        ..Config::default()
    };
    Fixture {
        services: Services::open(config).unwrap(),
        _dir: dir,
    }
}

async fn user_with_device(s: &Services, name: &str, device: &str) -> OwnedUserId {
    let user = s
        .create_user(name, Some("password123"), false)
        .await
        .unwrap();
    let new = NewDevice {
        device_id: Some(device.into()),
        display_name: None,
        refreshable: false,
    };
    s.login(&user, new).unwrap();
    user
}

fn keypair(version: &str) -> Ed25519KeyPair {
    Ed25519KeyPair::from_der(&Ed25519KeyPair::generate(), version.to_owned()).unwrap()
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

fn sign(value: Value, signer: &str, pair: &Ed25519KeyPair) -> Value {
    let mut object: CanonicalJsonObject = serde_json::from_value(value).unwrap();
    sign_json(signer, pair, &mut object).unwrap();
    serde_json::to_value(object).unwrap()
}

/// Device keys of `device`, self-signed with `pair` (whose version is the device ID).
fn device_keys(user: &UserId, device: &str, pair: &Ed25519KeyPair) -> Value {
    let keys = json!({
        "user_id": user, "device_id": device,
        "algorithms": ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
        "keys": { format!("curve25519:{device}"): "curve", format!("ed25519:{device}"): public(pair) },
    });
    sign(keys, user.as_str(), pair)
}

fn otk(n: u32) -> Value {
    json!({ "key": format!("otk{n}") })
}

#[tokio::test]
async fn device_keys_need_the_callers_ids_and_a_valid_self_signature() {
    let f = fixture();
    let s = &f.services;
    let alice = user_with_device(s, "alice", "ALICEDEV").await;
    let pair = keypair("ALICEDEV");
    let good = device_keys(&alice, "ALICEDEV", &pair);
    let mut tampered = good.clone();
    tampered["keys"]["curve25519:ALICEDEV"] = json!("other");
    let err = s
        .upload_keys(&alice, "ALICEDEV", &json!({ "device_keys": tampered }))
        .unwrap_err();
    assert!(matches!(err, ServiceError::InvalidParam(_)), "{err}");
    let other_device = device_keys(&alice, "OTHER", &keypair("OTHER"));
    assert!(s
        .upload_keys(&alice, "ALICEDEV", &json!({ "device_keys": other_device }))
        .is_err());
    s.upload_keys(&alice, "ALICEDEV", &json!({ "device_keys": good.clone() }))
        .unwrap();
    let query = s
        .query_keys(&alice, &json!({ alice.as_str(): [] }))
        .unwrap();
    assert_eq!(
        query["device_keys"][alice.as_str()]["ALICEDEV"]["keys"],
        good["keys"]
    );
}

#[tokio::test]
async fn one_time_keys_are_claimed_once_then_the_fallback_key() {
    let f = fixture();
    let s = &f.services;
    let alice = user_with_device(s, "alice", "DEV").await;
    let upload = json!({
        "one_time_keys": { "signed_curve25519:A": otk(1), "signed_curve25519:B": otk(2) },
        "fallback_keys": { "signed_curve25519:F": { "key": "fallback", "fallback": true } },
    });
    let counts = s.upload_keys(&alice, "DEV", &upload).unwrap();
    assert_eq!(counts["signed_curve25519"], 2);
    assert_eq!(
        s.unused_fallback_key_types(&alice, "DEV").unwrap(),
        ["signed_curve25519"]
    );
    let request = json!({ alice.as_str(): { "DEV": "signed_curve25519" } });
    let mut seen = Vec::new();
    for _ in 0..2 {
        let claimed = s.claim_keys(&request).await.unwrap();
        let (id, _) = claimed[alice.as_str()]["DEV"]
            .as_object()
            .unwrap()
            .iter()
            .next()
            .unwrap();
        seen.push(id.clone());
    }
    seen.sort();
    assert_eq!(seen, ["signed_curve25519:A", "signed_curve25519:B"]);
    for _ in 0..2 {
        let claimed = s.claim_keys(&request).await.unwrap();
        assert_eq!(
            claimed[alice.as_str()]["DEV"]["signed_curve25519:F"]["key"],
            "fallback"
        );
    }
    assert!(s
        .unused_fallback_key_types(&alice, "DEV")
        .unwrap()
        .is_empty());
    assert_eq!(
        s.one_time_key_counts(&alice, "DEV").unwrap()["signed_curve25519"],
        0
    );
    let nothing = s
        .claim_keys(&json!({ alice.as_str(): { "NODEV": "signed_curve25519" } }))
        .await
        .unwrap();
    assert_eq!(nothing, json!({}));
}

#[tokio::test]
async fn to_device_messages_are_delivered_in_order_and_deleted_once_acknowledged() {
    let f = fixture();
    let s = &f.services;
    let alice = user_with_device(s, "alice", "A1").await;
    let bob = user_with_device(s, "bob", "B1").await;
    for (txn, n) in [("t1", 1), ("t2", 2), ("t2", 3)] {
        let messages = json!({ bob.as_str(): { "*": { "n": n } } });
        s.send_to_device(
            &alice,
            "A1",
            ToDeviceSend {
                event_type: "m.test",
                txn_id: txn,
                messages: &messages,
            },
        )
        .await
        .unwrap();
    }
    let current = s.stream.current();
    let first = s.e2ee_sync(&bob, "B1", None, current).unwrap();
    let numbers: Vec<_> = first
        .to_device
        .iter()
        .map(|e| e["content"]["n"].clone())
        .collect();
    assert_eq!(
        numbers,
        [json!(1), json!(2)],
        "the replayed txn is delivered once"
    );
    assert_eq!(first.to_device[0]["sender"], alice.as_str());
    // Not acknowledged yet: an initial sync delivers them again.
    assert_eq!(
        s.e2ee_sync(&bob, "B1", None, current)
            .unwrap()
            .to_device
            .len(),
        2
    );
    let next = s.e2ee_sync(&bob, "B1", Some(current), current).unwrap();
    assert!(next.to_device.is_empty());
    assert!(
        s.e2ee_sync(&bob, "B1", None, current)
            .unwrap()
            .to_device
            .is_empty(),
        "acknowledged messages are gone"
    );
}

#[tokio::test]
async fn key_changes_reach_room_members_and_device_deletion_removes_keys() {
    let f = fixture();
    let s = &f.services;
    let alice = user_with_device(s, "alice", "A1").await;
    let bob = user_with_device(s, "bob", "B1").await;
    let room = s
        .create_room(
            &alice,
            CreateRoom {
                invite: vec![bob.clone()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    s.join_room(&room, &bob, None, &[]).await.unwrap();
    let since = s.stream.current();
    let pair = keypair("B1");
    s.upload_keys(&bob, "B1", &json!({ "device_keys": device_keys(&bob, "B1", &pair), "one_time_keys": { "signed_curve25519:X": otk(1) } })).unwrap();
    let changes = s
        .device_list_changes(&alice, since, s.stream.current())
        .unwrap();
    assert_eq!(changes.changed, [bob.to_string()]);
    let since = s.stream.current();
    s.delete_device(&bob, "B1").unwrap();
    let changes = s
        .device_list_changes(&alice, since, s.stream.current())
        .unwrap();
    assert_eq!(changes.changed, [bob.to_string()]);
    let query = s.query_keys(&alice, &json!({ bob.as_str(): [] })).unwrap();
    assert_eq!(query["device_keys"][bob.as_str()], json!({}));
    assert_eq!(
        s.one_time_key_counts(&bob, "B1").unwrap()["signed_curve25519"],
        0
    );
    let since = s.stream.current();
    s.set_membership(&room, &bob, &bob, "leave", None)
        .await
        .unwrap();
    let changes = s
        .device_list_changes(&alice, since, s.stream.current())
        .unwrap();
    assert_eq!(changes.left, [bob.to_string()]);
}

#[tokio::test]
async fn cross_signing_keys_and_signatures_are_verified() {
    let f = fixture();
    let s = &f.services;
    let alice = user_with_device(s, "alice", "A1").await;
    let device_pair = keypair("A1");
    s.upload_keys(
        &alice,
        "A1",
        &json!({ "device_keys": device_keys(&alice, "A1", &device_pair) }),
    )
    .unwrap();
    let master = cross_keypair();
    let ssk = cross_keypair();
    let cross = |pair: &Ed25519KeyPair, usage: &str| json!({ "user_id": alice, "usage": [usage], "keys": { format!("ed25519:{}", public(pair)): public(pair) } });
    let master_key = cross(&master, "master");
    let unsigned_ssk = cross(&ssk, "self_signing");
    assert!(s
        .upload_cross_signing_keys(
            &alice,
            &json!({ "master_key": master_key, "self_signing_key": unsigned_ssk })
        )
        .is_err());
    let signed_ssk = sign(unsigned_ssk, alice.as_str(), &master);
    s.upload_cross_signing_keys(
        &alice,
        &json!({ "master_key": master_key, "self_signing_key": signed_ssk }),
    )
    .unwrap();
    assert!(s.has_cross_signing_keys(&alice).unwrap());
    let stored = s
        .query_keys(&alice, &json!({ alice.as_str(): ["A1"] }))
        .unwrap()["device_keys"][alice.as_str()]["A1"]
        .clone();
    let mut upload = stored.clone();
    upload.as_object_mut().unwrap().remove("unsigned");
    let signed = sign(upload, alice.as_str(), &ssk);
    let answer = s
        .upload_signatures(&alice, &json!({ alice.as_str(): { "A1": signed } }))
        .unwrap();
    assert_eq!(answer["failures"], json!({}));
    let query = s
        .query_keys(&alice, &json!({ alice.as_str(): [] }))
        .unwrap();
    let signatures = &query["device_keys"][alice.as_str()]["A1"]["signatures"][alice.as_str()];
    assert!(
        signatures
            .get(format!("ed25519:{}", public(&ssk)))
            .is_some(),
        "{query}"
    );
    // Signed by a key that merely claims the self-signing key's ID.
    let forged = sign(stored, alice.as_str(), &keypair(&public(&ssk)));
    let answer = s
        .upload_signatures(&alice, &json!({ alice.as_str(): { "A1": forged } }))
        .unwrap();
    assert_eq!(
        answer["failures"][alice.as_str()]["A1"]["errcode"],
        "M_INVALID_SIGNATURE"
    );
}

#[test]
fn better_backup_keys_replace_worse_ones() {
    let key = |verified: bool, index: u64, forwarded: u64| json!({ "is_verified": verified, "first_message_index": index, "forwarded_count": forwarded, "session_data": {} });
    assert!(compare_backup_keys(&key(true, 5, 5), &key(false, 0, 0)).is_gt());
    assert!(compare_backup_keys(&key(false, 1, 5), &key(false, 2, 0)).is_gt());
    assert!(compare_backup_keys(&key(false, 1, 0), &key(false, 1, 1)).is_gt());
    assert!(compare_backup_keys(&key(false, 1, 1), &key(false, 1, 1)).is_eq());
    assert!(compare_backup_keys(&key(false, 3, 0), &key(true, 0, 0)).is_lt());
}

#[tokio::test]
async fn backup_keeps_the_better_session_and_moves_the_etag() {
    let f = fixture();
    let s = &f.services;
    let alice = user_with_device(s, "alice", "A1").await;
    let version = s
        .create_backup_version(
            &alice,
            "m.megolm_backup.v1.curve25519-aes-sha2",
            json!({ "public_key": "x" }),
        )
        .await
        .unwrap();
    let put = |index: u64, tag: &str| {
        let data = json!({ "is_verified": false, "first_message_index": index, "forwarded_count": 0, "session_data": { "tag": tag } });
        serde_json::Map::from_iter([("!r:localhost".to_owned(), json!({ "sess": data }))])
    };
    let first = s
        .put_backup_keys(&alice, &version, &put(5, "first"))
        .await
        .unwrap();
    assert_eq!(first, json!({ "etag": "1", "count": 1 }));
    let worse = s
        .put_backup_keys(&alice, &version, &put(9, "worse"))
        .await
        .unwrap();
    assert_eq!(worse["etag"], "1", "no change, no new etag");
    s.put_backup_keys(&alice, &version, &put(2, "better"))
        .await
        .unwrap();
    let scope = BackupScope {
        room: Some("!r:localhost"),
        session: Some("sess"),
    };
    assert_eq!(
        s.get_backup_keys(&alice, &version, scope).unwrap()["session_data"]["tag"],
        "better"
    );
    let newer = s
        .create_backup_version(&alice, "m.megolm_backup.v1.curve25519-aes-sha2", json!({}))
        .await
        .unwrap();
    assert!(
        s.put_backup_keys(&alice, &version, &put(1, "old"))
            .await
            .is_err(),
        "only the current version accepts keys"
    );
    assert_eq!(
        s.backup_version_info(&alice, None).unwrap()["version"],
        newer
    );
    s.delete_backup_version(&alice, &newer).await.unwrap();
    assert!(s.backup_version_info(&alice, None).is_err());
    let deleted = s
        .delete_backup_keys(&alice, &version, BackupScope::ALL)
        .await
        .unwrap();
    assert_eq!(deleted["count"], 0);
}

#[tokio::test]
async fn queued_to_device_messages_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().to_owned(),
        rate_limits: Switch::Off,
        ..Config::default()
    };
    let (bob, before) = {
        let s = Services::open(config.clone()).unwrap();
        let alice = user_with_device(&s, "alice", "A1").await;
        let bob = user_with_device(&s, "bob", "B1").await;
        let messages = json!({ bob.as_str(): { "B1": { "kept": true } } });
        s.send_to_device(
            &alice,
            "A1",
            ToDeviceSend {
                event_type: "m.test",
                txn_id: "t",
                messages: &messages,
            },
        )
        .await
        .unwrap();
        let before = s.stream.current();
        s.shutdown().unwrap();
        (bob, before)
    };
    let s = Services::open(config).unwrap();
    assert!(s.stream.current() >= before);
    let sync = s.e2ee_sync(&bob, "B1", None, s.stream.current()).unwrap();
    assert_eq!(sync.to_device.len(), 1);
    assert_eq!(sync.to_device[0]["content"]["kept"], true);
}

#[tokio::test]
async fn users_newly_sharing_a_room_are_reported_changed() {
    let f = fixture();
    let s = &f.services;
    let alice = user_with_device(s, "alice", "A1").await;
    let bob = user_with_device(s, "bob", "B1").await;
    let room = s
        .create_room(
            &alice,
            CreateRoom {
                invite: vec![bob.clone()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let since = s.stream.current();
    assert_eq!(
        s.device_list_changes(&alice, since, since).unwrap(),
        Default::default()
    );
    s.join_room(&room, &bob, None, &[]).await.unwrap();
    let current = s.stream.current();
    assert_eq!(
        s.device_list_changes(&alice, since, current)
            .unwrap()
            .changed,
        [bob.to_string()]
    );
    assert_eq!(
        s.device_list_changes(&bob, since, current).unwrap().changed,
        [alice.to_string()]
    );
}

#[tokio::test]
async fn a_dehydrated_device_receives_to_device_messages_page_by_page() {
    let f = fixture();
    let s = &f.services;
    let alice = user_with_device(s, "alice", "A1").await;
    let bob = user_with_device(s, "bob", "B1").await;
    let pair = keypair("DEHYDRATED");
    let body = json!({
        "device_id": "DEHYDRATED", "device_data": { "algorithm": "test", "pickle": "secret" },
        "device_keys": device_keys(&alice, "DEHYDRATED", &pair),
        "one_time_keys": { "signed_curve25519:K": otk(1) },
    });
    assert_eq!(
        s.put_dehydrated_device(&alice, &body).unwrap(),
        "DEHYDRATED"
    );
    assert_eq!(
        s.dehydrated_device(&alice).unwrap().unwrap().device_data["pickle"],
        "secret"
    );
    let query = s.query_keys(&bob, &json!({ alice.as_str(): [] })).unwrap();
    assert!(query["device_keys"][alice.as_str()]["DEHYDRATED"].is_object());
    let messages = json!({ alice.as_str(): { "DEHYDRATED": { "n": 1 } } });
    s.send_to_device(
        &bob,
        "B1",
        ToDeviceSend {
            event_type: "m.room.encrypted",
            txn_id: "t",
            messages: &messages,
        },
    )
    .await
    .unwrap();
    let page = s
        .dehydrated_device_events(&alice, "DEHYDRATED", None)
        .unwrap();
    assert_eq!(page["events"][0]["content"]["n"], 1);
    let token = page["next_batch"].as_str().unwrap();
    let next = s
        .dehydrated_device_events(&alice, "DEHYDRATED", Some(token))
        .unwrap();
    assert_eq!(next["events"], json!([]));
    assert!(
        s.dehydrated_device_events(&bob, "DEHYDRATED", None)
            .is_err(),
        "only its owner reads it"
    );
    // Replacing it (even under the same ID) drops the old keys and messages.
    s.put_dehydrated_device(&alice, &body).unwrap();
    assert_eq!(
        s.one_time_key_counts(&alice, "DEHYDRATED").unwrap()["signed_curve25519"],
        1
    );
    assert_eq!(s.delete_dehydrated_device(&alice).unwrap(), "DEHYDRATED");
    assert!(s.dehydrated_device(&alice).unwrap().is_none());
    assert_eq!(
        s.one_time_key_counts(&alice, "DEHYDRATED").unwrap()["signed_curve25519"],
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_claims_never_hand_out_a_one_time_key_twice() {
    let f = fixture();
    let s = &f.services;
    let alice = user_with_device(s, "alice", "DEV").await;
    let keys: serde_json::Map<String, Value> = (0..10)
        .map(|n| (format!("signed_curve25519:K{n}"), otk(n)))
        .collect();
    let upload = json!({ "one_time_keys": keys, "fallback_keys": { "signed_curve25519:F": { "key": "fallback" } } });
    s.upload_keys(&alice, "DEV", &upload).unwrap();
    let request = json!({ alice.as_str(): { "DEV": "signed_curve25519" } });
    let claims = (0..20).map(|_| {
        let (s, request) = (s.clone(), request.clone());
        tokio::spawn(async move { s.claim_keys(&request).await.unwrap() })
    });
    let mut ids = Vec::new();
    for claim in claims {
        let claimed = claim.await.unwrap();
        ids.extend(
            claimed[alice.as_str()]["DEV"]
                .as_object()
                .unwrap()
                .keys()
                .cloned(),
        );
    }
    let fallbacks = ids.iter().filter(|id| id.ends_with(":F")).count();
    ids.retain(|id| !id.ends_with(":F"));
    ids.sort();
    ids.dedup();
    assert_eq!((ids.len(), fallbacks), (10, 10));
}

#[tokio::test]
async fn membership_changes_behind_many_events_are_still_found() {
    let f = fixture();
    let s = &f.services;
    let alice = user_with_device(s, "alice", "A1").await;
    let bob = user_with_device(s, "bob", "B1").await;
    let room = s
        .create_room(
            &alice,
            CreateRoom {
                invite: vec![bob.clone()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let since = s.stream.current();
    s.join_room(&room, &bob, None, &[]).await.unwrap();
    for n in 0..super::device_lists::TIMELINE_WALK_LIMIT + 5 {
        let text = json!({ "msgtype": "m.text", "body": format!("message {n}") });
        s.append_event(
            &room,
            &alice,
            crate::events::NewEvent::message("m.room.message", text),
        )
        .await
        .unwrap();
    }
    let changes = s
        .device_list_changes(&alice, since, s.stream.current())
        .unwrap();
    assert_eq!(changes.changed, [bob.to_string()]);
}

#[tokio::test]
async fn keys_for_an_old_backup_version_name_the_current_one() {
    let f = fixture();
    let s = &f.services;
    let alice = user_with_device(s, "alice", "A1").await;
    let algorithm = "m.megolm_backup.v1.curve25519-aes-sha2";
    let old = s
        .create_backup_version(&alice, algorithm, json!({ "public_key": "x" }))
        .await
        .unwrap();
    let new = s
        .create_backup_version(&alice, algorithm, json!({ "public_key": "y" }))
        .await
        .unwrap();
    let keys = serde_json::Map::new();
    match s.put_backup_keys(&alice, &old, &keys).await {
        Err(crate::ServiceError::WrongRoomKeysVersion { current_version }) => {
            assert_eq!(current_version.as_deref(), Some(new.as_str()))
        }
        other => panic!("expected M_WRONG_ROOM_KEYS_VERSION, got {other:?}"),
    }
}
