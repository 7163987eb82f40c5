//! `GET /_matrix/client/v3/user/{userId}/rooms/{roomId}/account_data/{type}`.

use ruma::api::client::config::get_room_account_data::v3 as endpoint;

use super::ensure_own_user;
use crate::{json::to_raw, AppState, Result, Ruma};

pub async fn get_room_account_data(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    let body = &request.body;
    ensure_own_user(user, &body.user_id)?;
    let content = state.account_data(
        &user.user_id,
        Some(&body.room_id),
        &body.event_type.to_string(),
    )?;
    Ok(endpoint::Response::new(to_raw(&content)?))
}
