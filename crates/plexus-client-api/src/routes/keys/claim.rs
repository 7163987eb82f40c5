//! `POST /_matrix/client/v3/keys/claim`: one one-time key per requested
//! device (each handed out once), else the device's fallback key.

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
    let mut failures = serde_json::Map::new();
    for user in request.body.one_time_keys.keys() {
        if user.server_name() != state.server_name() {
            failures.insert(
                user.server_name().to_string(),
                json!({ "status": 503, "message": "federation is not available" }),
            );
        }
    }
    let claimed = state.claim_keys(&wanted).await?;
    Ok(json!({ "one_time_keys": claimed, "failures": failures }))
}
