//! `GET /_matrix/client/v3/directory/room/{roomAlias}` (no authentication).

use ruma::api::client::alias::get_alias::v3 as endpoint;

use crate::{AppState, Error, Result, Ruma};

pub async fn get_alias(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let alias = &request.body.room_alias;
    // Without federation only local aliases can be known; others are simply not found.
    let room_id = state
        .resolve_alias(alias.as_str())?
        .ok_or_else(|| Error::not_found(format!("no room is known under {alias}")))?;
    Ok(endpoint::Response::new(
        room_id,
        vec![state.server_name().to_owned()],
    ))
}
