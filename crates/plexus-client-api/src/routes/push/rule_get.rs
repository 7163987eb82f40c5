//! `GET /_matrix/client/v3/pushrules/global/{kind}/{ruleId}`: one rule.

use ruma::api::client::push::get_pushrule::v3 as endpoint;

use crate::{AppState, Result, Ruma};

pub async fn get_rule(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    let rule = state.push_rule(
        &user.user_id,
        request.body.kind.clone(),
        &request.body.rule_id,
    )?;
    Ok(endpoint::Response::new(rule))
}
