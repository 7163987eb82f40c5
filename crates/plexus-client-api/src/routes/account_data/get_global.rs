//! `GET /_matrix/client/v3/user/{userId}/account_data/{type}`.
//!
//! `m.push_rules` reads as the server-default rules until the user edits
//! them: the spec has server-managed types stay readable "as normal".

use plexus_service::ServiceError;
use ruma::{api::client::config::get_global_account_data::v3 as endpoint, push::Ruleset};
use serde_json::json;

use super::ensure_own_user;
use crate::{json::to_raw, AppState, Result, Ruma};

pub async fn get_global_account_data(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    ensure_own_user(user, &request.body.user_id)?;
    let kind = request.body.event_type.to_string();
    let content = match state.account_data(&user.user_id, None, &kind) {
        Err(ServiceError::NotFound(_)) if kind == "m.push_rules" => {
            json!({ "global": Ruleset::server_default(&user.user_id) })
        }
        stored => stored?,
    };
    Ok(endpoint::Response::new(to_raw(&content)?))
}
