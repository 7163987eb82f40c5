//! `POST /_matrix/client/v3/rooms/{roomId}/kick`.

use ruma::api::client::membership::kick_user::v3 as endpoint;

use crate::{AppState, Error, Result, Ruma};

pub async fn kick(state: AppState, request: Ruma<endpoint::Request>) -> Result<endpoint::Response> {
    let user = request.user()?;
    let body = &request.body;
    // A leave over a ban would be an unban, which needs its own endpoint (and the ban level).
    let current = state
        .membership(&body.room_id, &body.user_id)?
        .map(|m| m.membership);
    if !matches!(current.as_deref(), Some("join" | "invite" | "knock")) {
        return Err(Error::forbidden(
            "the user is not in the room, invited or knocking",
        ));
    }
    state
        .set_membership(
            &body.room_id,
            &user.user_id,
            &body.user_id,
            "leave",
            body.reason.clone(),
        )
        .await?;
    Ok(endpoint::Response::new())
}
