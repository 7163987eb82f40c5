//! `POST /_matrix/client/v3/keys/claim`: one one-time key per requested
//! device (each handed out once), else the device's fallback key; other
//! servers' users are claimed from their servers, failures listed.

use plexus_service::e2ee::federated::DEFAULT_REMOTE_TIMEOUT;
use ruma::api::client::keys::claim_keys::v3 as endpoint;
use serde_json::{json, Value};

use crate::{AppState, Result, Ruma};

pub async fn claim_keys(state: AppState, request: Ruma<endpoint::Request>) -> Result<Value> {
    request.user()?;
    let wanted = request
        .json
        .as_ref()
        .and_then(|j| j.get("one_time_keys"))
        .cloned()
        .unwrap_or_else(|| json!({}));
    let timeout = request.body.timeout.unwrap_or(DEFAULT_REMOTE_TIMEOUT);
    Ok(state.claim_keys_federated(&wanted, timeout).await?)
}
