//! Forged PDUs sent to Plexus over federation are judged as the spec's
//! "Checks performed on receipt of a PDU" say. The forger is the peer
//! Synapse itself: the harness wrote Synapse's signing key, so the test can
//! sign transactions (`X-Matrix`) and events as that server, while Plexus
//! fetches the matching public key from the real Synapse. One transaction
//! carries a valid event, one with a bad signature, one whose content does
//! not match its hash, and one that fails the auth rules; each gets its own
//! outcome and the bad ones do not stop the rest.

use base64::Engine;
use complement_tests::encode::path_segment as enc;
use complement_tests::federation::{FederatedServer, Federation, Kind};
use complement_tests::{json, Client, Value};
use ed25519_dalek::{Signer, SigningKey};
use sha2::{Digest, Sha256};

/// Who forges: a server name, its key ID and key.
struct Forger {
    server: String,
    key_id: String,
    key: SigningKey,
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes)
}

/// Canonical JSON: serde_json's maps are sorted and its output compact.
fn canonical(value: &Value) -> String {
    serde_json::to_string(value).expect("serialize")
}

fn without(value: &Value, keys: &[&str]) -> Value {
    let mut value = value.clone();
    let object = value.as_object_mut().expect("object");
    for key in keys {
        object.remove(*key);
    }
    value
}

/// The redaction algorithm of room versions 11 and 12 for a message event.
fn redacted_message(event: &Value) -> Value {
    const KEPT: [&str; 11] = [
        "event_id",
        "type",
        "room_id",
        "sender",
        "state_key",
        "hashes",
        "signatures",
        "depth",
        "prev_events",
        "auth_events",
        "origin_server_ts",
    ];
    let mut out = serde_json::Map::new();
    for key in KEPT {
        if let Some(value) = event.get(key) {
            out.insert(key.to_owned(), value.clone());
        }
    }
    out.insert("content".to_owned(), json!({}));
    Value::Object(out)
}

impl Forger {
    fn sign(&self, value: &Value) -> String {
        b64(&self.key.sign(canonical(value).as_bytes()).to_bytes())
    }

    /// Adds the content hash of `event` and this server's signature.
    fn hash_and_sign(&self, mut event: Value) -> Value {
        let hashed = without(&event, &["unsigned", "signatures", "hashes"]);
        event["hashes"] = json!({"sha256": b64(&Sha256::digest(canonical(&hashed)))});
        self.sign_only(event)
    }

    fn sign_only(&self, mut event: Value) -> Value {
        let signed = without(&redacted_message(&event), &["signatures", "unsigned"]);
        let signature = self.sign(&signed);
        event["signatures"] = json!({&self.server: {&self.key_id: signature}});
        event
    }

    /// `X-Matrix` Authorization for a request to `destination`.
    fn authorization(
        &self,
        method: &str,
        uri: &str,
        destination: &str,
        body: Option<&Value>,
    ) -> String {
        let mut request = json!({"method": method, "uri": uri, "origin": self.server,
                                 "destination": destination});
        if let Some(body) = body {
            request["content"] = body.clone();
        }
        format!(
            r#"X-Matrix origin="{}",destination="{destination}",key="{}",sig="{}""#,
            self.server,
            self.key_id,
            self.sign(&request)
        )
    }
}

/// The event ID of a v4+ room: the reference hash, URL-safe base64.
fn event_id(event: &Value) -> String {
    let hashed = without(&redacted_message(event), &["signatures", "unsigned"]);
    let hash = Sha256::digest(canonical(&hashed));
    format!(
        "${}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(hash)
    )
}

/// A signed federation request from `forger` to `target`.
async fn federation_request(
    fed: &Federation,
    forger: &Forger,
    target: &FederatedServer,
    method: reqwest::Method,
    uri: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let auth = forger.authorization(method.as_str(), uri, target.server_name(), body);
    let mut request = fed
        .https_client()
        .request(method, format!("{}{uri}", target.federation_url()))
        .header("Authorization", auth);
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.expect("federation request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The event ID of the current state event `(kind, state_key)`, via alice.
async fn state_event_id(alice: &Client, room: &str, kind: &str, state_key: &str) -> String {
    let state = alice
        .get(&complement_tests::rooms::room_path(room, "state"))
        .await
        .ok();
    let event = state
        .as_array()
        .expect("state array")
        .iter()
        .find(|e| e["type"] == kind && e["state_key"] == state_key)
        .unwrap_or_else(|| panic!("no {kind}/{state_key} in {state}"));
    event["event_id"].as_str().expect("event_id").to_owned()
}

#[tokio::test]
async fn forged_pdus_are_rejected_or_redacted() {
    let fed = Federation::start(Kind::Plexus, Kind::Synapse).await;
    let FederatedServer::Synapse(synapse) = &fed.b else {
        unreachable!("b is Synapse")
    };
    let (key_id, seed) = synapse.signing_key();
    let forger = Forger {
        server: fed.b.server_name().to_owned(),
        key_id,
        key: SigningKey::from_bytes(&seed),
    };
    let (alice, bob, room) = fed.public_room_with_remote_member().await;
    let prev = alice.send_text(&room, "before the forgeries").await;
    let uri = format!("/_matrix/federation/v1/event/{}", enc(&prev));
    let (status, body) =
        federation_request(&fed, &forger, &fed.a, reqwest::Method::GET, &uri, None).await;
    assert_eq!(status, 200, "fetching {prev} as {}: {body}", forger.server);
    let depth = body["pdus"][0]["depth"].as_u64().expect("depth of prev");
    let auth_events = json!([
        state_event_id(&alice, &room, "m.room.power_levels", "").await,
        state_event_id(&alice, &room, "m.room.member", &bob.user_id).await,
    ]);
    let message = |sender: &str, body: &str| {
        json!({
            "type": "m.room.message", "room_id": room, "sender": sender,
            "origin_server_ts": 1_700_000_000_000u64, "depth": depth + 1,
            "prev_events": [prev], "auth_events": auth_events,
            "content": {"msgtype": "m.text", "body": body},
        })
    };
    let valid = forger.hash_and_sign(message(&bob.user_id, "forged but valid"));
    let impostor = Forger {
        key: SigningKey::from_bytes(&[7; 32]),
        ..clone_forger(&forger)
    };
    let bad_signature = impostor.hash_and_sign(message(&bob.user_id, "bad signature"));
    let mut bad_hash = forger.hash_and_sign(message(&bob.user_id, "as hashed"));
    bad_hash["content"]["body"] = json!("changed after hashing");
    let mallory = format!("@mallory:{}", forger.server);
    let unauthorized = forger.hash_and_sign(message(&mallory, "not a member"));
    let events = [&valid, &bad_signature, &bad_hash, &unauthorized];
    let ids: Vec<String> = events.iter().map(|e| event_id(e)).collect();

    let txn = json!({"origin": forger.server, "origin_server_ts": 1_700_000_000_000u64,
                     "pdus": events});
    let uri = "/_matrix/federation/v1/send/forged1";
    let (status, answer) =
        federation_request(&fed, &forger, &fed.a, reqwest::Method::PUT, uri, Some(&txn)).await;
    assert_eq!(status, 200, "{answer}");
    let result = |i: usize| answer["pdus"][&ids[i]].clone();
    assert_eq!(result(0), json!({}), "valid event: {answer}");
    // Not accepted (an error, or no entry at all: the spec's map need not
    // name every PDU).
    assert_ne!(result(1), json!({}), "bad signature: {answer}");
    assert!(result(3)["error"].is_string(), "failing auth: {answer}");

    let seen = |id: String| {
        let alice = alice.clone();
        let room = room.clone();
        async move {
            alice
                .get(&complement_tests::rooms::room_path(
                    &room,
                    &format!("event/{}", enc(&id)),
                ))
                .await
        }
    };
    let valid_seen = seen(ids[0].clone()).await.ok();
    assert_eq!(valid_seen["content"]["body"], "forged but valid");
    assert_eq!(
        seen(ids[1].clone()).await.status,
        404,
        "bad signature stored"
    );
    let redacted = seen(ids[2].clone()).await;
    assert_eq!(
        redacted.status, 200,
        "a hash mismatch is kept redacted: {redacted:?}"
    );
    assert_eq!(redacted.body["content"], json!({}), "{redacted:?}");
    assert_eq!(
        seen(ids[3].clone()).await.status,
        404,
        "unauthorized event shown"
    );
}

fn clone_forger(forger: &Forger) -> Forger {
    Forger {
        server: forger.server.clone(),
        key_id: forger.key_id.clone(),
        key: forger.key.clone(),
    }
}
