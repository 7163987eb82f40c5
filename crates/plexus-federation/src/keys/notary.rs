//! Plexus as a notary (`/_matrix/key/v2/query`): answers with other servers'
//! key responses, fetched directly when the cache has none valid long enough,
//! co-signed by us. And the other way: asking a trusted notary for a server's keys.

use http::Method;
use plexus_core::time::now_millis;
use serde_json::{json, Value};

use super::{own, KeyError, KeyStore, ServerKeys};

#[cfg(test)]
mod tests;

/// Key responses of `server` valid until at least `min_valid_until_ms`, each co-signed by us.
pub async fn query(
    store: &KeyStore,
    server: &str,
    min_valid_until_ms: Option<u64>,
) -> Result<Vec<Value>, KeyError> {
    let services = store.services();
    if server == services.server_name().as_str() {
        return Ok(vec![own::server_keys(services)?]);
    }
    let minimum = min_valid_until_ms.unwrap_or_else(now_millis);
    let mut responses = store.cached_responses(server, minimum)?;
    if responses.is_empty() {
        match store.refresh_if_due(server).await {
            Ok(()) => responses = store.cached_responses(server, minimum)?,
            Err(e) => tracing::debug!(%server, "notary fetch failed: {e}"),
        }
    }
    if responses.is_empty() {
        // Offline or failing servers: answer with what we have, even if older.
        responses = store.cached_responses(server, 0)?;
    }
    responses
        .into_iter()
        .map(|response| own::cosign(services, response))
        .collect()
}

/// Asks `notary` for `server`'s keys; keeps responses signed by both.
pub async fn ask_notary(
    store: &KeyStore,
    notary: &str,
    server: &str,
) -> Result<Vec<Value>, KeyError> {
    let body = json!({"server_keys": {server: {}}});
    let answer = store
        .client()
        .send(notary, Method::POST, "/_matrix/key/v2/query", Some(&body))
        .await
        .map_err(|e| KeyError::Unreachable {
            server: notary.into(),
            reason: e.to_string(),
        })?;
    let notary_keys = notary_keys(store, notary).await?;
    let mut verified = Vec::new();
    for response in answer["server_keys"].as_array().into_iter().flatten() {
        if ServerKeys::verify_self_signed(response, server).is_err() {
            continue;
        }
        let signed_by_notary = notary_keys.verify_keys.iter().any(|(key_id, key)| {
            super::verify::check_signature(response, notary, key_id, &key.key).is_ok()
        });
        if signed_by_notary {
            verified.push(response.clone());
        }
    }
    Ok(verified)
}

/// The notary's own keys, fetched directly (never through another notary).
async fn notary_keys(store: &KeyStore, notary: &str) -> Result<ServerKeys, KeyError> {
    if let Some(cached) = store.cached_responses(notary, now_millis())?.first() {
        return ServerKeys::parse(cached);
    }
    let response = store
        .client()
        .send_unsigned(notary, Method::GET, "/_matrix/key/v2/server", None)
        .await
        .map_err(|e| KeyError::Unreachable {
            server: notary.into(),
            reason: e.to_string(),
        })?;
    ServerKeys::verify_self_signed(&response, notary)
}
