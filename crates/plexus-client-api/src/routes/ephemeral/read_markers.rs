//! `POST /_matrix/client/v3/rooms/{roomId}/read_markers`: the fully-read
//! marker and the public and private read receipts in one call.

use ruma::api::client::read_marker::set_read_marker::v3 as endpoint;

use crate::{AppState, Error, Result, Ruma};

pub async fn read_markers(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    let body = &request.body;
    if !state.is_joined(&body.room_id, &user.user_id)? {
        return Err(Error::forbidden("you are not joined to this room"));
    }
    let markers = [
        ("m.fully_read", &body.fully_read),
        ("m.read", &body.read_receipt),
        ("m.read.private", &body.private_read_receipt),
    ];
    for (receipt_type, event_id) in markers {
        if let Some(event_id) = event_id {
            state.set_receipt(
                &body.room_id,
                &user.user_id,
                receipt_type,
                event_id.as_str(),
                None,
            )?;
        }
    }
    Ok(endpoint::Response::new())
}
