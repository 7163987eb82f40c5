//! `GET /_matrix/client/v3/directory/room/{roomAlias}` (no authentication).

use ruma::api::client::alias::get_alias::v3 as endpoint;

use crate::{AppState, Error, Result, Ruma};

pub async fn get_alias(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let alias = &request.body.room_alias;
    // Another server's alias is asked of that server.
    let (room_id, servers) = state
        .resolve_alias_anywhere(alias)
        .await?
        .ok_or_else(|| Error::not_found(format!("no room is known under {alias}")))?;
    Ok(endpoint::Response::new(room_id, servers))
}
