//! `POST /_matrix/client/v3/join/{roomIdOrAlias}`.

use ruma::api::client::membership::join_room_by_id_or_alias::v3 as endpoint;

use crate::{AppState, Error, Result, Ruma};

pub async fn join_by_id_or_alias(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?.clone();
    let target = &request.body.room_id_or_alias;
    let mut via = request.body.via.clone();
    let room_id = match <&ruma::RoomId>::try_from(&**target) {
        Ok(room_id) => room_id.to_owned(),
        Err(alias) if alias.server_name() == state.server_name() => state
            .resolve_alias(alias.as_str())?
            .ok_or_else(|| Error::not_found("room alias not found"))?,
        Err(alias) => {
            let found = state
                .remote()?
                .resolve_alias(alias)
                .await?
                .ok_or_else(|| Error::not_found("room alias not found"))?;
            via.extend(found.servers);
            found.room_id
        }
    };
    state
        .join_room(&room_id, &user.user_id, request.body.reason.clone(), &via)
        .await?;
    Ok(endpoint::Response::new(room_id))
}
