//! `POST /_matrix/client/v3/keys/upload`: the caller's device keys (must
//! match the caller and carry a valid self-signature), one-time and fallback keys.

use ruma::api::client::keys::upload_keys::v3 as endpoint;
use serde_json::{json, Value};

use crate::{AppState, Result, Ruma};

pub async fn upload_keys(state: AppState, request: Ruma<endpoint::Request>) -> Result<Value> {
    let user = request.user()?;
    let body = request.json.clone().unwrap_or_else(|| json!({}));
    let counts = state.upload_keys(&user.user_id, &user.device_id, &body)?;
    Ok(json!({ "one_time_key_counts": counts }))
}
