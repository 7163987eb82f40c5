//! `GET`/`PUT /_matrix/client/v3/pushrules/global/{kind}/{ruleId}/actions`.

use ruma::api::client::push::{
    get_pushrule_actions::v3 as get_endpoint, set_pushrule_actions::v3 as set_endpoint,
};

use crate::{AppState, Result, Ruma};

pub async fn get_actions(
    state: AppState,
    request: Ruma<get_endpoint::Request>,
) -> Result<get_endpoint::Response> {
    let user = request.user()?;
    let rule = state.push_rule(
        &user.user_id,
        request.body.kind.clone(),
        &request.body.rule_id,
    )?;
    Ok(get_endpoint::Response::new(rule.actions))
}

pub async fn set_actions(
    state: AppState,
    request: Ruma<set_endpoint::Request>,
) -> Result<set_endpoint::Response> {
    let user = request.user()?.user_id.clone();
    let body = request.body;
    state.set_push_rule_actions(&user, body.kind, &body.rule_id, body.actions)?;
    Ok(set_endpoint::Response::new())
}
