//! `GET /_matrix/client/v3/pushrules/` and `/pushrules/global/`: the user's
//! rules, which are the spec's server-default rules until the user edits them.

use ruma::api::client::push::{
    get_pushrules_all::v3 as all_endpoint, get_pushrules_global_scope::v3 as global_endpoint,
};

use crate::{AppState, Result, Ruma};

pub async fn all(
    state: AppState,
    request: Ruma<all_endpoint::Request>,
) -> Result<all_endpoint::Response> {
    let user = request.user()?;
    Ok(all_endpoint::Response::new(
        state.push_ruleset(&user.user_id)?,
    ))
}

pub async fn global(
    state: AppState,
    request: Ruma<global_endpoint::Request>,
) -> Result<global_endpoint::Response> {
    let user = request.user()?;
    Ok(global_endpoint::Response::new(
        state.push_ruleset(&user.user_id)?,
    ))
}
