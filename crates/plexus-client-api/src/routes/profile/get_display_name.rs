//! `GET /_matrix/client/v3/profile/{userId}/displayname`: 404 for unknown
//! users and, per the spec since v1.16, for a user without a display name.

use ruma::api::client::profile::get_display_name::v3 as endpoint;

use crate::{AppState, Error, Result, Ruma};

pub async fn get_display_name(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let (displayname, _) = state
        .profile_anywhere(&request.body.user_id, Some("displayname"))
        .await?;
    match displayname {
        Some(name) => Ok(endpoint::Response::new(Some(name))),
        None => Err(Error::not_found("this user has no display name")),
    }
}
