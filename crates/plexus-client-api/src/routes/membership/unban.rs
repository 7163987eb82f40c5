//! `POST /_matrix/client/v3/rooms/{roomId}/unban`.

use ruma::api::client::membership::unban_user::v3 as endpoint;

use crate::{AppState, Error, Result, Ruma};

pub async fn unban(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    let body = &request.body;
    // Otherwise an "unban" of a joined user would be a kick with the ban level.
    let current = state
        .membership(&body.room_id, &body.user_id)?
        .map(|m| m.membership);
    if current.as_deref() != Some("ban") {
        return Err(Error::forbidden("the user is not banned"));
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
