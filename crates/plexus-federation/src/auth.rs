//! [`FederationAuth`]: the axum extractor that authenticates an inbound
//! federation request by its `X-Matrix` header. It reads the body (the
//! signature covers it), fetches the origin's key through the [`KeyStore`]
//! and answers 401 `M_UNAUTHORIZED` for a missing, malformed or bad signature.
//!
//! [`KeyStore`]: crate::keys::KeyStore

use std::sync::Arc;

use axum::{
    extract::{FromRequest, Request},
    http::header::AUTHORIZATION,
};
use plexus_core::time::now_millis;
use ruma::{OwnedServerName, ServerName};
use serde_json::Value;

use crate::{
    error::FederationError,
    xmatrix::{sign::SignedRequest, XMatrix},
    Federation,
};

#[cfg(test)]
mod tests;

/// Largest federation request body (a transaction of 50 PDUs and 100 EDUs fits easily).
pub const MAX_REQUEST_BYTES: usize = 20 * 1024 * 1024;

/// An authenticated federation request: who sent it and its JSON body.
#[derive(Debug)]
pub struct FederationAuth {
    /// The server that signed the request.
    pub origin: OwnedServerName,
    /// The JSON body, if the request had one.
    pub content: Option<Value>,
}

impl FederationAuth {
    /// The body deserialized as `T` (400 `M_BAD_JSON` when it does not fit).
    pub fn body<T: serde::de::DeserializeOwned>(&self) -> Result<T, FederationError> {
        let content = self.content.clone().unwrap_or(Value::Null);
        serde_json::from_value(content).map_err(|e| FederationError::BadJson(e.to_string()))
    }
}

impl FromRequest<Arc<Federation>> for FederationAuth {
    type Rejection = FederationError;

    async fn from_request(
        request: Request,
        federation: &Arc<Federation>,
    ) -> Result<Self, Self::Rejection> {
        let method = request.method().as_str().to_owned();
        // The router is not nested, so the URI is the one the origin signed.
        let uri = request
            .uri()
            .path_and_query()
            .map_or("/", |pq| pq.as_str())
            .to_owned();
        let headers: Vec<String> = request
            .headers()
            .get_all(AUTHORIZATION)
            .iter()
            .filter_map(|value| value.to_str().ok().map(str::to_owned))
            .collect();
        let bytes = axum::body::to_bytes(request.into_body(), MAX_REQUEST_BYTES)
            .await
            .map_err(|_| FederationError::TooLarge("request body too large".into()))?;
        let content = if bytes.is_empty() {
            None
        } else {
            Some(
                serde_json::from_slice(&bytes)
                    .map_err(|e| FederationError::NotJson(e.to_string()))?,
            )
        };
        let origin = authenticate(federation, &method, &uri, &headers, content.as_ref()).await?;
        federation.sender.peer_seen(&origin);
        Ok(FederationAuth { origin, content })
    }
}

/// Tries each `X-Matrix` header; the first that verifies names the origin.
async fn authenticate(
    federation: &Federation,
    method: &str,
    uri: &str,
    headers: &[String],
    content: Option<&Value>,
) -> Result<OwnedServerName, FederationError> {
    let unauthorized = |msg: &str| FederationError::Unauthorized(msg.to_owned());
    let mut last_error = unauthorized("missing X-Matrix authorization");
    for header in headers {
        let parsed = match XMatrix::parse(header) {
            Ok(parsed) => parsed,
            Err(e) => {
                last_error = FederationError::Unauthorized(e.to_string());
                continue;
            }
        };
        match verify_one(federation, method, uri, &parsed, content).await {
            Ok(origin) => return Ok(origin),
            Err(e) => last_error = e,
        }
    }
    Err(last_error)
}

async fn verify_one(
    federation: &Federation,
    method: &str,
    uri: &str,
    header: &XMatrix,
    content: Option<&Value>,
) -> Result<OwnedServerName, FederationError> {
    let our_name = federation.services.server_name().as_str();
    if header.destination.as_deref().is_some_and(|d| d != our_name) {
        return Err(FederationError::Unauthorized(
            "destination is not this server".into(),
        ));
    }
    let origin = <&ServerName>::try_from(header.origin.as_str())
        .map_err(|_| FederationError::Unauthorized("origin is not a server name".into()))?;
    let public_key = federation
        .keys
        .public_key(origin.as_str(), &header.key, now_millis(), false)
        .await
        .map_err(|e| FederationError::Unauthorized(format!("cannot verify: {e}")))?;
    let request = SignedRequest {
        method,
        uri,
        origin: origin.as_str(),
        destination: our_name,
        content,
    };
    request
        .verify(&header.key, &header.sig, &public_key)
        .map_err(|e| FederationError::Unauthorized(format!("X-Matrix signature: {e}")))?;
    Ok(origin.to_owned())
}
