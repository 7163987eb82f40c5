//! `GET /_matrix/client/v3/presence/{userId}/status`.
//!
//! Presence is published to the users who share a room with its owner
//! (spec, presence module), so anyone else gets 403. A known user who never
//! set a presence is `offline`; an unknown user is 404.

use std::time::Duration;

use ruma::{api::client::presence::get_presence::v3 as endpoint, presence::PresenceState};

use crate::{AppState, Error, Result, Ruma};

pub async fn get_presence(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let viewer = request.user()?;
    let target = &request.body.user_id;
    if !state.user_exists(target)? {
        return Err(Error::not_found("no presence for this user"));
    }
    if !state.can_see_presence(&viewer.user_id, target)? {
        return Err(Error::forbidden("you do not share a room with this user"));
    }
    let Some(record) = state.presence(target)? else {
        return Ok(endpoint::Response::new(PresenceState::Offline));
    };
    let content = state.presence_content(&record);
    let mut response = endpoint::Response::new(PresenceState::from(record.presence.as_str()));
    response.status_msg = record.status_msg;
    response.last_active_ago = content["last_active_ago"]
        .as_u64()
        .map(Duration::from_millis);
    response.currently_active = content["currently_active"].as_bool();
    Ok(response)
}
