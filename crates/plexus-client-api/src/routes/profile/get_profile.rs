//! `GET /_matrix/client/v3/profile/{userId}`: 404 for unknown (or deactivated) users;
//! another server's user is asked of their server.

use ruma::api::client::profile::get_profile::v3 as endpoint;
use serde_json::Value;

use crate::{AppState, Result, Ruma};

pub async fn get_profile(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let (displayname, avatar_url) = state.profile_anywhere(&request.body.user_id, None).await?;
    let mut response = endpoint::Response::new();
    if let Some(name) = displayname {
        response.set("displayname".to_owned(), Value::String(name));
    }
    if let Some(url) = avatar_url {
        response.set("avatar_url".to_owned(), Value::String(url));
    }
    Ok(response)
}
