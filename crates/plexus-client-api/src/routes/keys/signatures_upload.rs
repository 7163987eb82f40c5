//! `POST /_matrix/client/v3/keys/signatures/upload`: signatures on the
//! caller's own keys or on other users' master keys; invalid ones are
//! reported in `failures`, valid ones kept.

use ruma::api::client::keys::upload_signatures::v3 as endpoint;
use serde_json::{json, Value};

use crate::{AppState, Result, Ruma};

pub async fn upload_signatures(state: AppState, request: Ruma<endpoint::Request>) -> Result<Value> {
    let user = request.user()?;
    let body = request.json.clone().unwrap_or_else(|| json!({}));
    Ok(state.upload_signatures(&user.user_id, &body)?)
}
