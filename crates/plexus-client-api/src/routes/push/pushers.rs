//! `GET /_matrix/client/v3/pushers`: the user's pushers, as set. (Nothing is
//! delivered to push gateways yet; that is a later issue.)

use ruma::api::client::push::{get_pushers::v3 as endpoint, Pusher};

use crate::{AppState, Result, Ruma};

pub async fn pushers(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    let pushers: Vec<Pusher> = state
        .pushers(&user.user_id)?
        .into_iter()
        .filter_map(|p| serde_json::from_value(p).ok())
        .collect();
    Ok(endpoint::Response::new(pushers))
}
