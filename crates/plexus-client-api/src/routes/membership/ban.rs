//! `POST /_matrix/client/v3/rooms/{roomId}/ban`.

use ruma::api::client::membership::ban_user::v3 as endpoint;

use crate::{AppState, Result, Ruma};

pub async fn ban(state: AppState, request: Ruma<endpoint::Request>) -> Result<endpoint::Response> {
    let user = request.user()?;
    let body = &request.body;
    state
        .set_membership(
            &body.room_id,
            &user.user_id,
            &body.user_id,
            "ban",
            body.reason.clone(),
        )
        .await?;
    Ok(endpoint::Response::new())
}
