//! `PUT /_matrix/client/v3/rooms/{roomId}/redact/{eventId}/{txnId}`.

use plexus_service::{
    events::{NewEvent, Txn, TxnEndpoint},
    ratelimit::Action,
    users::Requester,
};
use ruma::{api::client::redact::redact_event::v3 as endpoint, RoomId};
use serde_json::json;

use crate::{AppState, Error, Result, Ruma};

pub async fn redact(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?.clone();
    let body = &request.body;
    let txn = Txn::new(&user.device_id, body.txn_id.as_str(), TxnEndpoint::Redact);
    if let Some(event_id) = state.event_for_txn(&user.user_id, &txn)? {
        return Ok(endpoint::Response::new(event_id));
    }
    state
        .rate_limiter
        .check(Action::Message, user.user_id.as_str())?;
    check_may_redact(&state, &user, &body.room_id, body.event_id.as_str())?;
    // `redacts` goes in the content (read there from room version 11); the
    // PDU builder copies it to the top level for older versions.
    let mut content = json!({ "redacts": body.event_id });
    if let Some(reason) = &body.reason {
        content["reason"] = json!(reason);
    }
    let event = NewEvent {
        txn: Some(txn),
        ..NewEvent::message("m.room.redaction", content)
    };
    let pdu = state
        .append_event(&body.room_id, &user.user_id, event)
        .await?;
    Ok(endpoint::Response::new(pdu.event_id.clone()))
}

/// The auth rules admit any redaction from the target's own server, so the
/// client API adds its rule: your own events, or anyone's with the `redact` level.
fn check_may_redact(
    state: &AppState,
    user: &Requester,
    room_id: &RoomId,
    event_id: &str,
) -> Result<()> {
    if !state.is_joined(room_id, &user.user_id)? {
        return Err(Error::forbidden("you are not joined to this room"));
    }
    let target = state
        .visible_event(&user.user_id, event_id)?
        .filter(|(pdu, _)| pdu.room_id == room_id)
        .ok_or_else(|| Error::not_found("event not found"))?;
    if target.0.sender != user.user_id && !state.user_can_redact_others(room_id, &user.user_id)? {
        return Err(Error::forbidden("you may only redact your own events"));
    }
    Ok(())
}
