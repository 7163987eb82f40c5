//! `PUT /_matrix/client/v3/user/{userId}/rooms/{roomId}/tags/{tag}`.

use ruma::api::client::tag::create_tag::v3 as endpoint;
use serde_json::Value;

use super::ensure_own_user;
use crate::{AppState, Error, Result, Ruma};

pub async fn create_tag(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    let body = &request.body;
    ensure_own_user(user, &body.user_id)?;
    // Store the body as sent (ruma has checked its shape), so fields beyond
    // `order` reach other clients through /sync unchanged.
    let info = match &request.json {
        Some(json @ Value::Object(_)) => json.clone(),
        Some(_) => return Err(Error::BadJson("tag info must be a JSON object".into())),
        None => Value::Object(Default::default()),
    };
    state.set_room_tag(&user.user_id, &body.room_id, &body.tag, Some(info))?;
    Ok(endpoint::Response::new())
}
