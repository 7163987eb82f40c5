//! `POST /_matrix/client/v3/keys/device_signing/upload`: the caller's
//! cross-signing keys. Replacing keys needs the password (UIA); the first
//! upload, or a retry of the stored keys, does not (MSC3967, allowed by the
//! spec), so new accounts can bootstrap cross-signing without prompting.

use plexus_service::uia::PASSWORD;
use ruma::api::client::keys::upload_signing_keys::v3 as endpoint;
use serde_json::{json, Value};

use crate::{AppState, Result, Ruma};

pub async fn upload_signing_keys(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<Value> {
    let user = request.user()?.clone();
    let body = request.json.clone().unwrap_or_else(|| json!({}));
    if state.cross_signing_upload_needs_auth(&user.user_id, &body)? {
        state
            .uia_check(&[&[PASSWORD]], body.get("auth"), Some(&user.user_id))
            .await?;
    }
    state.upload_cross_signing_keys(&user.user_id, &body)?;
    Ok(json!({}))
}
