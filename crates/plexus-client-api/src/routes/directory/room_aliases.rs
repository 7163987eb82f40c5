//! `GET /_matrix/client/v3/rooms/{roomId}/aliases`: the local aliases of a
//! room, for its members or anyone when the room is world-readable.

use ruma::{api::client::room::aliases::v3 as endpoint, RoomAliasId};

use crate::{AppState, Error, Result, Ruma};

pub async fn room_aliases(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    let room_id = &request.body.room_id;
    let room = state
        .room_record(room_id)?
        .ok_or_else(|| Error::forbidden("you are not in this room"))?;
    let world_readable = state.history_visibility(room.state_group)? == "world_readable";
    if !world_readable && !state.is_joined(room_id, &user.user_id)? {
        return Err(Error::forbidden("you are not in this room"));
    }
    let aliases = state
        .room_aliases(room_id)?
        .iter()
        .filter_map(|alias| RoomAliasId::parse(alias).ok())
        .collect();
    Ok(endpoint::Response::new(aliases))
}
