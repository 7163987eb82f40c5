//! `GET /_matrix/client/v3/register/available`.

use ruma::api::client::account::get_username_availability::v3 as endpoint;

use crate::{AppState, Result, Ruma};

pub async fn available(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    state.check_username_available(&request.body.username.to_lowercase())?;
    Ok(endpoint::Response::new(true))
}
