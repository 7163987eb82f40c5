//! `PUT /_matrix/client/v3/directory/room/{roomAlias}`.

use plexus_service::ServiceError;
use ruma::api::client::alias::create_alias::v3 as endpoint;

use crate::{AppState, Error, Result, Ruma};

pub async fn create_alias(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    let body = &request.body;
    if !state.room_exists(&body.room_id)? {
        return Err(Error::not_found("unknown room"));
    }
    // Only members may point an alias at a room, so aliases cannot be squatted on rooms one never joined.
    if !state.is_joined(&body.room_id, &user.user_id)? {
        return Err(Error::forbidden("you are not joined to this room"));
    }
    match state.add_alias(body.room_alias.as_str(), &body.room_id, &user.user_id) {
        Ok(()) => Ok(endpoint::Response::new()),
        // The spec answers a taken alias here with 409 (createRoom's `room_alias_name` uses 400 M_ROOM_IN_USE).
        Err(ServiceError::RoomInUse(message)) => Err(Error::Conflict(message)),
        Err(other) => Err(other.into()),
    }
}
