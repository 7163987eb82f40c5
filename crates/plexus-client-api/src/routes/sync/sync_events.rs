//! `GET /_matrix/client/v3/sync`: parsed by ruma, answered with the JSON
//! the sync service builds (streamed straight out, no second model).

use std::time::Duration;

use plexus_service::sync::{parse_token, SyncParams};
use ruma::api::client::{filter::FilterDefinition, sync::sync_events::v3 as endpoint};
use serde_json::Value;

use crate::{AppState, Error, Result, Ruma};

pub async fn sync_events(state: AppState, request: Ruma<endpoint::Request>) -> Result<Value> {
    let user = request.user()?.clone();
    let body = &request.body;
    let since = match &body.since {
        Some(token) => {
            Some(parse_token(token).ok_or_else(|| Error::invalid("invalid since token"))?)
        }
        None => None,
    };
    let filter = match &body.filter {
        None => Default::default(),
        Some(endpoint::Filter::FilterId(id)) => state.sync_filter(&user.user_id, Some(id))?,
        Some(endpoint::Filter::FilterDefinition(definition)) => {
            inline_filter(&state, &user.user_id, definition)?
        }
        Some(_) => Default::default(),
    };
    let params = SyncParams {
        since,
        full_state: body.full_state,
        timeout: body.timeout.unwrap_or(Duration::ZERO),
        filter,
        set_presence: Some(body.set_presence.to_string()),
    };
    Ok(state.sync(&user.user_id, &user.device_id, params).await?)
}

fn inline_filter(
    state: &AppState,
    user: &ruma::UserId,
    definition: &FilterDefinition,
) -> Result<plexus_service::filters::SyncFilter> {
    let json = serde_json::to_string(definition).map_err(|e| Error::BadJson(e.to_string()))?;
    Ok(state.sync_filter(user, Some(&json))?)
}
