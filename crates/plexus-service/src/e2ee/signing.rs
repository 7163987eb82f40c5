//! Signature checks on uploaded key objects (device keys, cross-signing
//! keys). Clients sign canonical JSON without `signatures` and `unsigned`;
//! we verify one (signer, key ID) pair at a time so that other signatures
//! on the object, from keys we do not know, cannot fail the check.

use std::collections::BTreeMap;

use ruma::{serde::Base64, signatures::verify_json, CanonicalJsonObject};
use serde_json::{json, Value};

use crate::{Result, ServiceError};

/// The signature `signer` made with `key_id` on `object`, if present.
pub fn signature_of<'a>(object: &'a Value, signer: &str, key_id: &str) -> Option<&'a str> {
    object.get("signatures")?.get(signer)?.get(key_id)?.as_str()
}

/// Checks that `signature` is `signer`'s valid signature with `key_id` (an
/// `ed25519:…` ID whose public key is `public_key`, unpadded base64) over `object`.
pub fn verify_signature(
    object: &Value,
    signer: &str,
    key_id: &str,
    public_key: &str,
    signature: &str,
) -> Result<()> {
    let mut copy = object.clone();
    let map = copy
        .as_object_mut()
        .ok_or_else(|| ServiceError::BadJson("signed object must be a JSON object".into()))?;
    map.insert(
        "signatures".into(),
        json!({ signer: { key_id: signature } }),
    );
    let canonical: CanonicalJsonObject = serde_json::from_value(copy)
        .map_err(|e| ServiceError::BadJson(format!("not canonical JSON: {e}")))?;
    let key = Base64::parse(public_key)
        .map_err(|_| ServiceError::invalid("public key is not valid base64"))?;
    let keys = BTreeMap::from([(
        signer.to_owned(),
        BTreeMap::from([(key_id.to_owned(), key)]),
    )]);
    verify_json(&keys, &canonical)
        .map_err(|e| ServiceError::invalid(format!("invalid signature: {e}")))
}

/// Checks `object`'s own signature by `signer` with `key_id`, whose public key is also given.
pub fn verify_signed_by(
    object: &Value,
    signer: &str,
    key_id: &str,
    public_key: &str,
) -> Result<()> {
    let signature = signature_of(object, signer, key_id)
        .ok_or_else(|| ServiceError::invalid(format!("missing signature by {signer} {key_id}")))?;
    verify_signature(object, signer, key_id, public_key, signature)
}

/// The single ed25519 key of a cross-signing key object: (key ID, public key).
pub fn cross_signing_public_key(key: &Value) -> Option<(String, String)> {
    let keys = key.get("keys")?.as_object()?;
    if keys.len() != 1 {
        return None;
    }
    let (id, public) = keys.iter().next()?;
    Some((id.clone(), public.as_str()?.to_owned())).filter(|(id, _)| id.starts_with("ed25519:"))
}

/// The public part of a key ID (`ed25519:ABC` → `ABC`).
pub fn key_name(key_id: &str) -> &str {
    key_id.split_once(':').map_or(key_id, |(_, name)| name)
}
