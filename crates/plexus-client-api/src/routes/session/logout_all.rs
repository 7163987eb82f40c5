//! `POST /_matrix/client/v3/logout/all`: ends every session of the user.

use ruma::api::client::session::logout_all::v3 as endpoint;

use crate::{AppState, Result, Ruma};

pub async fn logout_all(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    for device in state.devices(&user.user_id)? {
        state.delete_device(&user.user_id, &device.device_id)?;
    }
    Ok(endpoint::Response::new())
}
