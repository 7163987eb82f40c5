//! `GET /_matrix/client/v3/directory/list/room/{roomId}` (no authentication).

use ruma::api::client::{directory::get_room_visibility::v3 as endpoint, room::Visibility};

use crate::{AppState, Error, Result, Ruma};

pub async fn get_visibility(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let room_id = &request.body.room_id;
    if !state.room_exists(room_id)? {
        return Err(Error::not_found("unknown room"));
    }
    let visibility = if state.is_room_public(room_id)? {
        Visibility::Public
    } else {
        Visibility::Private
    };
    Ok(endpoint::Response::new(visibility))
}
