//! `GET /_matrix/client/v3/profile/{userId}/avatar_url`: 404 for unknown
//! users and, per the spec since v1.16, for a user without an avatar.

use ruma::{api::client::profile::get_avatar_url::v3 as endpoint, OwnedMxcUri};

use crate::{AppState, Error, Result, Ruma};

pub async fn get_avatar_url(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let (_, avatar_url) = state
        .profile_anywhere(&request.body.user_id, Some("avatar_url"))
        .await?;
    match avatar_url {
        Some(url) => Ok(endpoint::Response::new(Some(OwnedMxcUri::from(url)))),
        None => Err(Error::not_found("this user has no avatar")),
    }
}
