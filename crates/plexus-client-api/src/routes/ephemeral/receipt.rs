//! `POST /_matrix/client/v3/rooms/{roomId}/receipt/{receiptType}/{eventId}`.

use ruma::api::client::receipt::create_receipt::v3::{self as endpoint, ReceiptType};

use crate::{AppState, Error, Result, Ruma};

pub async fn receipt(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    let body = &request.body;
    let thread_id = body.thread.as_str();
    if thread_id == Some("") {
        return Err(Error::invalid("thread_id must be a non-empty string"));
    }
    // The fully-read marker is per room, never per thread.
    if body.receipt_type == ReceiptType::FullyRead && thread_id.is_some() {
        return Err(Error::invalid("thread_id does not apply to m.fully_read"));
    }
    if !state.is_joined(&body.room_id, &user.user_id)? {
        return Err(Error::forbidden("you are not joined to this room"));
    }
    let receipt_type = body.receipt_type.as_str();
    state.set_receipt(
        &body.room_id,
        &user.user_id,
        receipt_type,
        body.event_id.as_str(),
        thread_id,
    )?;
    Ok(endpoint::Response::new())
}
