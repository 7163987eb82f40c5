//! Our own key document for `GET /_matrix/key/v2/server`: the current key in
//! `verify_keys`, keys used before (remembered in `federation_own_keys` when the
//! signing key file changes) in `old_verify_keys`, valid for a week, self-signed.

use plexus_core::time::now_millis;
use plexus_service::{tables::FederationOwnKeys, Services};
use plexus_storage::{Direction, Json};
use ruma::{signatures::sign_json, CanonicalJsonObject};
use serde_json::{json, Map, Value};

use super::KeyError;

#[cfg(test)]
mod tests;

/// How long others may cache our key document.
pub const VALIDITY_MS: u64 = 7 * 24 * 3600 * 1000;

/// Records the current key and retires any other key still marked current, in one batch.
/// Called once at start-up: replacing `signing.key` moves the old key to `old_verify_keys`.
pub fn register(services: &Services) -> Result<(), KeyError> {
    let current = services.key.key_id();
    let now = now_millis();
    let mut batch = services.db.batch();
    let mut known = false;
    for row in services
        .db
        .scan::<FederationOwnKeys, _>(&(), Direction::Forward)?
    {
        let (key_id, Json(mut record)) = row?;
        if key_id == current {
            known = true;
        } else if record.get("expired_ts").is_none_or(Value::is_null) {
            record["expired_ts"] = json!(now);
            batch.put::<FederationOwnKeys>(&key_id, &Json(record))?;
        }
    }
    if !known {
        let record = json!({"key": services.key.public_key_base64()});
        batch.put::<FederationOwnKeys>(&current, &Json(record))?;
    }
    if !batch.is_empty() {
        services.db.write(batch)?;
    }
    Ok(())
}

/// The signed key document, valid for [`VALIDITY_MS`] from now.
pub fn server_keys(services: &Services) -> Result<Value, KeyError> {
    let server = services.server_name().as_str();
    let mut verify_keys = Map::new();
    verify_keys.insert(
        services.key.key_id(),
        json!({"key": services.key.public_key_base64()}),
    );
    let document = json!({
        "server_name": server,
        "valid_until_ts": now_millis() + VALIDITY_MS,
        "verify_keys": verify_keys,
        "old_verify_keys": old_keys(services)?,
    });
    cosign(services, document)
}

/// Adds our signature to a JSON object (our key document, or a notary answer).
pub fn cosign(services: &Services, document: Value) -> Result<Value, KeyError> {
    let invalid = |reason: String| KeyError::Invalid {
        server: services.server_name().to_string(),
        reason,
    };
    let mut object: CanonicalJsonObject =
        serde_json::from_value(document).map_err(|e| invalid(e.to_string()))?;
    sign_json(
        services.server_name().as_str(),
        &services.key.key_pair,
        &mut object,
    )
    .map_err(|e| invalid(e.to_string()))?;
    serde_json::to_value(object).map_err(|e| invalid(e.to_string()))
}

/// Retired keys: `{key_id: {key, expired_ts}}`.
fn old_keys(services: &Services) -> Result<Map<String, Value>, KeyError> {
    let current = services.key.key_id();
    let mut old = Map::new();
    for row in services
        .db
        .scan::<FederationOwnKeys, _>(&(), Direction::Forward)?
    {
        let (key_id, Json(record)) = row?;
        if key_id != current && record.get("expired_ts").is_some_and(Value::is_u64) {
            old.insert(
                key_id,
                json!({"key": record["key"], "expired_ts": record["expired_ts"]}),
            );
        }
    }
    Ok(old)
}

/// Our key `key_id`, for requests that claim to come from ourselves.
pub fn public_key(
    services: &Services,
    key_id: &str,
    at_ms: u64,
    allow_old: bool,
) -> Result<Vec<u8>, KeyError> {
    if key_id == services.key.key_id() {
        return Ok(services.key.key_pair.public_key().to_vec());
    }
    let record = services.db.get::<FederationOwnKeys>(&key_id.to_owned())?;
    let expired_ts = record.as_ref().and_then(|Json(r)| r["expired_ts"].as_u64());
    match (record, expired_ts) {
        (Some(Json(record)), Some(expired)) if allow_old && expired > at_ms => record["key"]
            .as_str()
            .and_then(crate::base64::decode)
            .ok_or_else(|| not_found(services, key_id)),
        _ => Err(not_found(services, key_id)),
    }
}

fn not_found(services: &Services, key_id: &str) -> KeyError {
    KeyError::NotFound {
        server: services.server_name().to_string(),
        key_id: key_id.to_owned(),
    }
}
