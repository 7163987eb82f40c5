//! `POST /_matrix/client/v3/delete_devices` (UIA with the password).
//! Devices that are already gone are skipped.

use plexus_service::uia::PASSWORD;
use ruma::api::client::device::delete_devices::v3 as endpoint;

use crate::{AppState, Result, Ruma};

pub async fn delete_devices(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    let auth = request.json.as_ref().and_then(|j| j.get("auth"));
    state
        .uia_check(&[&[PASSWORD]], auth, Some(&user.user_id))
        .await?;
    for device_id in &request.body.devices {
        state.delete_device(&user.user_id, device_id.as_str())?;
    }
    Ok(endpoint::Response::new())
}
