//! `PUT /_matrix/client/v3/user/{userId}/account_data/{type}`.

use ruma::api::client::config::set_global_account_data::v3 as endpoint;

use super::{ensure_own_user, reject_server_managed};
use crate::{json::object_from_raw, AppState, Result, Ruma};

pub async fn set_global_account_data(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    ensure_own_user(user, &request.body.user_id)?;
    let kind = request.body.event_type.to_string();
    reject_server_managed(&kind)?;
    let content = object_from_raw(&request.body.data)?;
    state.set_global_account_data(&user.user_id, &kind, content)?;
    Ok(endpoint::Response::new())
}
