//! `GET /_matrix/client/v3/joined_rooms`.

use ruma::api::client::membership::joined_rooms::v3 as endpoint;

use crate::{AppState, Result, Ruma};

pub async fn joined_rooms(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?.clone();
    let rooms = state
        .joined_rooms(&user.user_id)?
        .into_iter()
        .filter_map(|r| ruma::RoomId::parse(r).ok())
        .collect();
    Ok(endpoint::Response::new(rooms))
}
