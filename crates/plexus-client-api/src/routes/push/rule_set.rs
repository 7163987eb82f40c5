//! `PUT /_matrix/client/v3/pushrules/global/{kind}/{ruleId}`: adds or
//! replaces a user-defined rule, placed by the `before`/`after` query.

use ruma::api::client::push::set_pushrule::v3 as endpoint;

use crate::{AppState, Result, Ruma};

pub async fn set_rule(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?.user_id.clone();
    let endpoint::Request {
        rule,
        before,
        after,
        ..
    } = request.body;
    state.set_push_rule(&user, rule, before.as_deref(), after.as_deref())?;
    Ok(endpoint::Response::new())
}
