//! `GET /_matrix/client/v3/rooms/{roomId}/state/{eventType}/{stateKey}`
//! (content by default; the whole event with `?format=event`).

use ruma::api::client::state::get_state_event_for_key::v3::{self as endpoint, StateEventFormat};

use crate::{AppState, Error, Result, Ruma};

pub async fn get_state_event(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?.clone();
    let body = &request.body;
    let pdu = state.room_state_event_for(
        &body.room_id,
        &user.user_id,
        &body.event_type.to_string(),
        &body.state_key,
    )?;
    let value = match body.format {
        StateEventFormat::Event => pdu.to_client_event(true, None),
        _ => pdu.content_value(),
    };
    let raw = serde_json::value::to_raw_value(&value).map_err(|e| Error::BadJson(e.to_string()))?;
    Ok(endpoint::Response::new(raw))
}
