//! `DELETE /_matrix/client/v3/devices/{deviceId}` (UIA with the password).
//! A device that is already gone is not an error.

use plexus_service::uia::PASSWORD;
use ruma::api::client::device::delete_device::v3 as endpoint;

use crate::{AppState, Result, Ruma};

pub async fn delete_device(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    let auth = request.json.as_ref().and_then(|j| j.get("auth"));
    state
        .uia_check(&[&[PASSWORD]], auth, Some(&user.user_id))
        .await?;
    state.delete_device(&user.user_id, request.body.device_id.as_str())?;
    Ok(endpoint::Response::new())
}
