//! `GET /_matrix/client/v3/rooms/{roomId}/event/{eventId}`.

use plexus_service::timeline::Viewer;
use ruma::api::client::room::get_room_event::v3 as endpoint;

use crate::{json::to_raw, AppState, Result, Ruma};

/// One event, if the caller may see it; unknown and invisible events are both 404.
pub async fn get_event(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    let viewer = Viewer {
        user: &user.user_id,
        device: Some(&user.device_id),
    };
    let event = state.room_event(
        viewer,
        &request.body.room_id,
        request.body.event_id.as_str(),
    )?;
    Ok(endpoint::Response::new(to_raw(&event)?))
}
