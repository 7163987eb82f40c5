//! `POST /_matrix/client/v3/rooms/{roomId}/forget`: a left room disappears from the user's sync.

use ruma::api::client::membership::forget_room::v3 as endpoint;

use crate::{AppState, Result, Ruma};

pub async fn forget(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    state.forget_room(&request.body.room_id, &user.user_id)?;
    Ok(endpoint::Response::new())
}
