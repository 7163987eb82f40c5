//! `GET /_matrix/client/v1/room_summary/{roomIdOrAlias}` (MSC3266, spec
//! v1.15), also under the unstable paths clients still call:
//! `/unstable/im.nheko.summary/rooms/{roomIdOrAlias}/summary` (in ruma's
//! metadata) and the older `/unstable/im.nheko.summary/summary/{roomIdOrAlias}`.
//! An access token is optional: without one only rooms anyone may preview
//! are summarised. A room this server is not in is asked of the `via`
//! servers.

use axum::{extract::State, routing::get, Router};
use ruma::{api::client::room::get_summary::v1 as endpoint, OwnedRoomId, OwnedServerName};
use serde_json::Value;

use crate::{AppState, Error, Result, Ruma};

/// The first unstable path of MSC3266, which ruma's metadata lacks.
pub const OLD_UNSTABLE_PATH: &str =
    "/_matrix/client/unstable/im.nheko.summary/summary/{room_id_or_alias}";

/// Routes the older unstable path to the same handler.
pub fn old_unstable_route(router: Router<AppState>) -> Router<AppState> {
    router.route(
        OLD_UNSTABLE_PATH,
        get(
            |State(state): State<AppState>, request: Ruma<endpoint::Request>| async move {
                get_summary(state, request).await.map(axum::Json)
            },
        ),
    )
}

/// Answered as raw JSON: ruma's `RoomSummary` omits `join_rule` when it is
/// `public` (the spec's default), and clients read it.
pub async fn get_summary(state: AppState, request: Ruma<endpoint::Request>) -> Result<Value> {
    let (room_id, alias_servers) = room_id(&state, &request.body).await?;
    let user = request.requester.as_ref().map(|r| r.user_id.as_ref());
    let via = match request.body.via.is_empty() {
        true => alias_servers,
        false => request.body.via.clone(),
    };
    Ok(state.room_summary_via(&room_id, user, &via).await?)
}

/// The room the path names, with the servers its alias named; an alias
/// nobody knows is 404.
async fn room_id(
    state: &AppState,
    body: &endpoint::Request,
) -> Result<(OwnedRoomId, Vec<OwnedServerName>)> {
    match <&ruma::RoomId>::try_from(&*body.room_id_or_alias) {
        Ok(room_id) => Ok((room_id.to_owned(), Vec::new())),
        Err(alias) => state
            .resolve_alias_anywhere(alias)
            .await?
            .ok_or_else(|| Error::not_found("room alias not found")),
    }
}
