//! `PUT /_matrix/client/v3/devices/{deviceId}`: renames one of the caller's
//! devices (404 otherwise). Without `display_name` the name is unchanged.
//! Creating devices this way is for application services, which Plexus does not host.

use ruma::api::client::device::update_device::v3 as endpoint;

use crate::{AppState, Result, Ruma};

pub async fn update_device(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    let device_id = request.body.device_id.as_str();
    match &request.body.display_name {
        Some(name) => state.rename_device(&user.user_id, device_id, Some(name.clone()))?,
        // Still 404 for a device that is not the caller's.
        None => {
            state.device(&user.user_id, device_id)?;
        }
    }
    Ok(endpoint::Response::new())
}
