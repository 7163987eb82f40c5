//! `GET /_matrix/client/v3/devices/{deviceId}`: 404 unless it is one of the caller's.

use ruma::api::client::device::get_device::v3 as endpoint;

use super::to_device;
use crate::{AppState, Result, Ruma};

pub async fn get_device(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    let device = state.device(&user.user_id, request.body.device_id.as_str())?;
    Ok(endpoint::Response::new(to_device(device)))
}
