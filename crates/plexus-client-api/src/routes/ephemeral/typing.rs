//! `PUT /_matrix/client/v3/rooms/{roomId}/typing/{userId}`.

use ruma::api::client::typing::create_typing_event::v3::{self as endpoint, Typing};

use crate::{AppState, Error, Result, Ruma};

pub async fn typing(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    let body = &request.body;
    if body.user_id != user.user_id {
        return Err(Error::forbidden("you may only set your own typing state"));
    }
    let timeout = match body.state {
        Typing::Yes(info) => Some(info.timeout),
        Typing::No => None,
    };
    state.set_typing(&body.room_id, &user.user_id, timeout)?;
    Ok(endpoint::Response::new())
}
