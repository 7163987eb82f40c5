//! `POST /_matrix/client/v3/rooms/{roomId}/leave` (also rejects an invite).

use ruma::api::client::membership::leave_room::v3 as endpoint;

use crate::{AppState, Result, Ruma};

pub async fn leave(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?.clone();
    state
        .set_membership(
            &request.body.room_id,
            &user.user_id,
            &user.user_id,
            "leave",
            request.body.reason.clone(),
        )
        .await?;
    Ok(endpoint::Response::new())
}
