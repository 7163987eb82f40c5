//! EDUs through the send queue (see `complement_tests::federation`): to-device
//! messages both ways and device-list changes, each run Plexus→Synapse,
//! Synapse→Plexus and Plexus→Plexus. alice is on `a`, bob on `b`, and they
//! share a room hosted by `a`.
//!
//! Device keys carry real ed25519 signatures (`ed25519-dalek`) over
//! canonical JSON, as in `federation_queries.rs`.

use complement_tests::canonical::{b64, canonical};
use complement_tests::encode::path_segment as enc;
use complement_tests::federation::wait::DELIVERY_TIMEOUT;
use complement_tests::federation::{Federation, Kind};
use complement_tests::federation_scenario;
use complement_tests::{json, Client, Value};
use ed25519_dalek::{Signer, SigningKey};

const V3: &str = "/_matrix/client/v3";

/// Self-signed device keys of `client`'s device.
fn device_keys(client: &Client) -> Value {
    let key = SigningKey::from_bytes(&[9; 32]);
    let device = &client.device_id;
    let mut keys = json!({
        "user_id": client.user_id,
        "device_id": device,
        "algorithms": ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
        "keys": {
            format!("curve25519:{device}"): "Y3VydmUyNTUxOS1wdWJsaWM",
            format!("ed25519:{device}"): b64(&key.verifying_key().to_bytes()),
        },
    });
    let signature = b64(&key.sign(canonical(&keys).as_bytes()).to_bytes());
    keys["signatures"] = json!({ &client.user_id: { format!("ed25519:{device}"): signature } });
    keys
}

/// `from` sends one `m.test` to-device message to `to` (`device` or `*`).
async fn send_to_device(from: &Client, to: &Client, device: &str, txn: &str) {
    let body = json!({ "messages": { &to.user_id: { device: { "txn": txn } } } });
    let path = format!("{V3}/sendToDevice/m.test/{}", enc(txn));
    from.put(&path, &body).await.ok();
}

/// Syncs `client` until an `m.test` to-device message from `sender` with `txn` arrives.
async fn wait_for_to_device(client: &Client, sender: &str, txn: &str) {
    client
        .sync_until(None, DELIVERY_TIMEOUT, |body| {
            body["to_device"]["events"]
                .as_array()?
                .iter()
                .find(|e| {
                    e["type"] == "m.test" && e["sender"] == sender && e["content"]["txn"] == txn
                })
                .map(|_| ())
        })
        .await;
}

/// To-device messages to a named device and to `*`, both ways.
async fn to_device_both_ways(a: Kind, b: Kind) {
    let fed = Federation::start(a, b).await;
    let (alice, bob, _room) = fed.public_room_with_remote_member().await;
    send_to_device(&alice, &bob, &bob.device_id, "to-bob").await;
    wait_for_to_device(&bob, &alice.user_id, "to-bob").await;
    send_to_device(&bob, &alice, "*", "to-alice").await;
    wait_for_to_device(&alice, &bob.user_id, "to-alice").await;
}

federation_scenario!(
    to_device_both_ways,
    [plexus_to_synapse, synapse_to_plexus, plexus_to_plexus]
);

/// alice uploads device keys; bob's next syncs list her in `device_lists.changed`.
async fn device_list_change_seen_remotely(a: Kind, b: Kind) {
    let fed = Federation::start(a, b).await;
    let (alice, bob, _room) = fed.public_room_with_remote_member().await;
    let (_, since) = bob.sync_until(None, DELIVERY_TIMEOUT, |_| Some(())).await;
    let upload = json!({ "device_keys": device_keys(&alice) });
    alice.post(&format!("{V3}/keys/upload"), &upload).await.ok();
    let alice_id = alice.user_id.clone();
    bob.sync_until(Some(&since), DELIVERY_TIMEOUT, |body| {
        let changed = body["device_lists"]["changed"].as_array()?;
        changed.contains(&json!(alice_id)).then_some(())
    })
    .await;
    let query = json!({ "device_keys": { &alice.user_id: [] } });
    let answer = bob.post(&format!("{V3}/keys/query"), &query).await.ok();
    let device = &answer["device_keys"][&alice.user_id][&alice.device_id];
    assert_eq!(device["keys"], upload["device_keys"]["keys"], "{answer}");
}

federation_scenario!(
    device_list_change_seen_remotely,
    [plexus_to_synapse, synapse_to_plexus, plexus_to_plexus]
);
