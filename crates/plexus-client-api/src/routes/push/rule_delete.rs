//! `DELETE /_matrix/client/v3/pushrules/global/{kind}/{ruleId}`: removes a
//! user-defined rule (server-default rules can only be disabled).

use ruma::api::client::push::delete_pushrule::v3 as endpoint;

use crate::{AppState, Result, Ruma};

pub async fn delete_rule(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    state.delete_push_rule(
        &user.user_id,
        request.body.kind.clone(),
        &request.body.rule_id,
    )?;
    Ok(endpoint::Response::new())
}
