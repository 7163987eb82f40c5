//! `POST /_matrix/client/v3/keys/query`: device and cross-signing keys of
//! users, with `failures` for servers that cannot be reached.

use plexus_service::e2ee::federated::DEFAULT_REMOTE_TIMEOUT;
use ruma::api::client::keys::get_keys::v3 as endpoint;
use serde_json::{json, Value};

use crate::{AppState, Result, Ruma};

pub async fn query_keys(state: AppState, request: Ruma<endpoint::Request>) -> Result<Value> {
    let user = request.user()?;
    let wanted = request
        .json
        .as_ref()
        .and_then(|j| j.get("device_keys"))
        .cloned()
        .unwrap_or_else(|| json!({}));
    let timeout = request.body.timeout.unwrap_or(DEFAULT_REMOTE_TIMEOUT);
    Ok(state
        .query_keys_federated(&user.user_id, &wanted, timeout)
        .await?)
}
