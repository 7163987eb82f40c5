//! `PUT /_matrix/client/v3/presence/{userId}/status`: only for oneself.

use ruma::api::client::presence::set_presence::v3 as endpoint;

use crate::{routes::account_data::ensure_own_user, AppState, Result, Ruma};

pub async fn set_presence(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    let body = &request.body;
    ensure_own_user(user, &body.user_id)?;
    state.set_presence(
        &user.user_id,
        body.presence.as_str(),
        body.status_msg.clone(),
    )?;
    Ok(endpoint::Response::new())
}
