//! `POST /_matrix/client/v3/logout`: ends this device's session.

use ruma::api::client::session::logout::v3 as endpoint;

use crate::{AppState, Result, Ruma};

pub async fn logout(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    state.delete_device(&user.user_id, &user.device_id)?;
    Ok(endpoint::Response::new())
}
