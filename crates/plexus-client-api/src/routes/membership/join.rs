//! `POST /_matrix/client/v3/rooms/{roomId}/join`.

use ruma::api::client::membership::join_room_by_id::v3 as endpoint;

use crate::{AppState, Result, Ruma};

pub async fn join(state: AppState, request: Ruma<endpoint::Request>) -> Result<endpoint::Response> {
    let user = request.user()?.clone();
    let room_id = request.body.room_id.clone();
    state
        .join_room(&room_id, &user.user_id, request.body.reason.clone(), &[])
        .await?;
    Ok(endpoint::Response::new(room_id))
}
