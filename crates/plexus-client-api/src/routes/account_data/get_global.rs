//! `GET /_matrix/client/v3/user/{userId}/account_data/{type}`.

use ruma::api::client::config::get_global_account_data::v3 as endpoint;

use super::ensure_own_user;
use crate::{json::to_raw, AppState, Result, Ruma};

pub async fn get_global_account_data(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    ensure_own_user(user, &request.body.user_id)?;
    let content = state.account_data(&user.user_id, None, &request.body.event_type.to_string())?;
    Ok(endpoint::Response::new(to_raw(&content)?))
}
