//! `POST /_matrix/client/v3/user/{userId}/openid/request_token`: a token a
//! third party can check with this server (`/openid/userinfo`) to learn the
//! user's ID, e.g. Element's widgets and integration manager.

use std::time::Duration;

use ruma::api::client::account::request_openid_token::v3 as endpoint;

use crate::{AppState, Error, Result, Ruma};

pub async fn request_openid_token(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    if user.user_id != request.body.user_id {
        return Err(Error::forbidden("cannot request a token for another user"));
    }
    let (token, lifetime) = state.issue_openid_token(&user.user_id)?;
    Ok(endpoint::Response::new(
        token,
        ruma::authentication::TokenType::Bearer,
        state.server_name().to_owned(),
        Duration::from_secs(lifetime),
    ))
}
