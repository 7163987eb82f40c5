//! `GET /_matrix/client/v3/devices`.

use ruma::api::client::device::get_devices::v3 as endpoint;

use super::to_device;
use crate::{AppState, Result, Ruma};

pub async fn get_devices(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    let devices = state
        .devices(&user.user_id)?
        .into_iter()
        .map(to_device)
        .collect();
    Ok(endpoint::Response::new(devices))
}
