//! `POST /_matrix/client/v3/knock/{roomIdOrAlias}`: ask to join a room
//! whose join rule is `knock` (or `knock_restricted`).

use ruma::api::client::knock::knock_room::v3 as endpoint;

use crate::{AppState, Error, Result, Ruma};

pub async fn knock(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?.clone();
    let target = &request.body.room_id_or_alias;
    let room_id = match <&ruma::RoomId>::try_from(&**target) {
        Ok(room_id) => room_id.to_owned(),
        Err(alias) => state
            .resolve_alias(alias.as_str())?
            .ok_or_else(|| Error::not_found("room alias not found"))?,
    };
    state
        .knock(
            &room_id,
            &user.user_id,
            request.body.reason.clone(),
            &request.body.via,
        )
        .await?;
    Ok(endpoint::Response::new(room_id))
}
