//! `POST /_matrix/client/v3/rooms/{roomId}/invite`.

use ruma::api::client::membership::invite_user::v3::{self as endpoint, InvitationRecipient};

use crate::{AppState, Error, Result, Ruma};

pub async fn invite(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?.clone();
    let InvitationRecipient::UserId(invitee) = &request.body.recipient else {
        return Err(Error::forbidden("third-party invites are not supported"));
    };
    state
        .invite(
            &request.body.room_id,
            &user.user_id,
            &invitee.user_id,
            invitee.reason.clone(),
            false,
        )
        .await?;
    Ok(endpoint::Response::new())
}
