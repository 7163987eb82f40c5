//! `GET /_matrix/client/v1/register/m.login.registration_token/validity`.

use ruma::api::client::account::check_registration_token_validity::v1 as endpoint;

use crate::{AppState, Result, Ruma};

pub async fn token_validity(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let valid = state.config.registration_token.as_deref() == Some(request.body.token.as_str());
    Ok(endpoint::Response::new(valid))
}
