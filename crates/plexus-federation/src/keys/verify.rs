//! Checks of a `/_matrix/key/v2/server` response: the server name, well-formed
//! ed25519 key IDs, and a valid self-signature by every key in `verify_keys`.

use std::collections::BTreeMap;

use ruma::{
    signatures::{to_canonical_json_string_for_signing, verify_canonical_json_bytes},
    CanonicalJsonObject, SigningKeyAlgorithm,
};
use serde::Deserialize;
use serde_json::Value;

use super::KeyError;

/// The parsed fields of a key response.
#[derive(Clone, Debug, Deserialize)]
pub struct ServerKeys {
    pub server_name: String,
    #[serde(default)]
    pub valid_until_ts: u64,
    #[serde(default)]
    pub verify_keys: BTreeMap<String, VerifyKey>,
    #[serde(default)]
    pub old_verify_keys: BTreeMap<String, OldVerifyKey>,
    #[serde(default)]
    pub signatures: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct VerifyKey {
    pub key: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct OldVerifyKey {
    pub key: String,
    pub expired_ts: u64,
}

impl ServerKeys {
    pub fn parse(response: &Value) -> Result<ServerKeys, KeyError> {
        ServerKeys::deserialize(response).map_err(|e| invalid("?", e.to_string()))
    }

    /// Parses `response` and checks that it is `server`'s, with valid key IDs
    /// and signed by each of its verify keys.
    pub fn verify_self_signed(response: &Value, server: &str) -> Result<ServerKeys, KeyError> {
        let keys = ServerKeys::parse(response)?;
        if keys.server_name != server {
            return Err(invalid(server, format!("it names {}", keys.server_name)));
        }
        if keys.verify_keys.is_empty() {
            return Err(invalid(server, "no verify_keys".into()));
        }
        for key_id in keys.key_ids() {
            check_key_id(key_id).map_err(|reason| invalid(server, reason))?;
        }
        for (key_id, key) in &keys.verify_keys {
            check_signature(response, server, key_id, &key.key)?;
        }
        Ok(keys)
    }

    /// Every key ID, current and old.
    pub fn key_ids(&self) -> impl Iterator<Item = &str> {
        self.verify_keys
            .keys()
            .chain(self.old_verify_keys.keys())
            .map(String::as_str)
    }

    /// The raw key `key_id` if it is valid at `at_ms`.
    pub fn key_valid_at(&self, key_id: &str, at_ms: u64, allow_old: bool) -> Option<Vec<u8>> {
        let encoded = match (
            self.verify_keys.get(key_id),
            self.old_verify_keys.get(key_id),
        ) {
            (Some(key), _) if self.valid_until_ts >= at_ms => &key.key,
            (_, Some(old)) if allow_old && old.expired_ts > at_ms => &old.key,
            _ => return None,
        };
        crate::base64::decode(encoded)
    }
}

/// `ed25519:<version>` with a version of `[a-zA-Z0-9_]`.
fn check_key_id(key_id: &str) -> Result<(), String> {
    let version = key_id
        .strip_prefix("ed25519:")
        .ok_or_else(|| format!("unsupported key ID {key_id:?}"))?;
    let ok = !version.is_empty()
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    ok.then_some(())
        .ok_or_else(|| format!("malformed key ID {key_id:?}"))
}

/// Checks the signature of `signer` with `key_id` on the JSON object `signed`.
pub fn check_signature(
    signed: &Value,
    signer: &str,
    key_id: &str,
    public_key_b64: &str,
) -> Result<(), KeyError> {
    let object: CanonicalJsonObject = serde_json::from_value(signed.clone())
        .map_err(|e| invalid(signer, format!("not canonical JSON: {e}")))?;
    let signature = signed
        .pointer(&format!(
            "/signatures/{}/{}",
            escape(signer),
            escape(key_id)
        ))
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(signer, format!("not signed with {key_id}")))?;
    let signature = crate::base64::decode(signature)
        .ok_or_else(|| invalid(signer, "signature is not base64".into()))?;
    let public_key = crate::base64::decode(public_key_b64)
        .ok_or_else(|| invalid(signer, "key is not base64".into()))?;
    let canonical = to_canonical_json_string_for_signing(&object)
        .map_err(|e| invalid(signer, e.to_string()))?;
    verify_canonical_json_bytes(
        &SigningKeyAlgorithm::Ed25519,
        &public_key,
        &signature,
        canonical.as_bytes(),
    )
    .map_err(|_| invalid(signer, format!("signature by {key_id} does not verify")))
}

/// JSON pointer escaping of one path segment.
fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn invalid(server: &str, reason: String) -> KeyError {
    KeyError::Invalid {
        server: server.to_owned(),
        reason,
    }
}
