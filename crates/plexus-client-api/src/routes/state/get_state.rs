//! `GET /_matrix/client/v3/rooms/{roomId}/state`.

use ruma::api::client::state::get_state_events::v3 as endpoint;

use crate::{json::to_raw, AppState, Result, Ruma};

pub async fn get_state(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?.clone();
    let events = state.room_state_for(&request.body.room_id, &user.user_id)?;
    let raw = events
        .iter()
        .map(|pdu| to_raw(&pdu.to_client_event(true, None)))
        .collect::<Result<_>>()?;
    Ok(endpoint::Response::new(raw))
}
