//! `DELETE /_matrix/client/v3/directory/room/{roomAlias}`: allowed for the
//! alias's creator, room moderators and server admins.

use ruma::api::client::alias::delete_alias::v3 as endpoint;

use crate::{AppState, Result, Ruma};

pub async fn delete_alias(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    state.delete_alias(request.body.room_alias.as_str(), &user.user_id, user.admin)?;
    Ok(endpoint::Response::new())
}
