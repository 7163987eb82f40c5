//! `GET /_matrix/client/v3/user/{userId}/rooms/{roomId}/tags`.

use plexus_service::ServiceError;
use ruma::{api::client::tag::get_tags::v3 as endpoint, events::tag::Tags};

use super::ensure_own_user;
use crate::{AppState, Result, Ruma};

pub async fn get_tags(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    ensure_own_user(user, &request.body.user_id)?;
    let mut content = state.room_tags(&user.user_id, &request.body.room_id)?;
    let tags: Tags = serde_json::from_value(content["tags"].take())
        .map_err(|e| ServiceError::internal(format!("stored m.tag is malformed: {e}")))?;
    Ok(endpoint::Response::new(tags))
}
