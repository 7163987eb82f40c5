//! `PUT /_matrix/client/v3/user/{userId}/rooms/{roomId}/account_data/{type}`.

use ruma::api::client::config::set_room_account_data::v3 as endpoint;

use super::{ensure_own_user, reject_server_managed};
use crate::{json::object_from_raw, AppState, Result, Ruma};

pub async fn set_room_account_data(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    let body = &request.body;
    ensure_own_user(user, &body.user_id)?;
    let kind = body.event_type.to_string();
    reject_server_managed(&kind)?;
    let content = object_from_raw(&body.data)?;
    state.set_room_account_data(&user.user_id, &body.room_id, &kind, content)?;
    Ok(endpoint::Response::new())
}
