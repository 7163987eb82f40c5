//! `DELETE /_matrix/client/v3/user/{userId}/rooms/{roomId}/tags/{tag}`.
//! Removing a tag that is not set succeeds.

use ruma::api::client::tag::delete_tag::v3 as endpoint;

use super::ensure_own_user;
use crate::{AppState, Result, Ruma};

pub async fn delete_tag(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    let body = &request.body;
    ensure_own_user(user, &body.user_id)?;
    state.set_room_tag(&user.user_id, &body.room_id, &body.tag, None)?;
    Ok(endpoint::Response::new())
}
