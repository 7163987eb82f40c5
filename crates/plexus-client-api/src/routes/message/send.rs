//! `PUT /_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}`.

use plexus_service::{
    events::{NewEvent, Txn, TxnEndpoint},
    ratelimit::Action,
    relations::{NewRelation, RelationRefusal},
};
use ruma::api::client::message::send_message_event::v3 as endpoint;

use crate::{json::object_from_raw, AppState, Error, Result, Ruma};

pub async fn send(state: AppState, request: Ruma<endpoint::Request>) -> Result<endpoint::Response> {
    let user = request.user()?.clone();
    let body = &request.body;
    let txn = Txn::new(&user.device_id, body.txn_id.as_str(), TxnEndpoint::Send);
    if let Some(event_id) = state.event_for_txn(&user.user_id, &txn)? {
        return Ok(endpoint::Response::new(event_id));
    }
    state
        .rate_limiter
        .check(Action::Message, user.user_id.as_str())?;
    let content = object_from_raw(&body.body)?;
    let kind = body.event_type.to_string();
    let relation = NewRelation {
        room_id: &body.room_id,
        sender: &user.user_id,
        kind: &kind,
        content: &content,
    };
    match state.refused_relation(&relation)? {
        Some(RelationRefusal::ThreadFromRelated(reason)) => return Err(Error::BadRequest(reason)),
        Some(RelationRefusal::DuplicateAnnotation) => return Err(Error::DuplicateAnnotation),
        None => {}
    }
    if !state.is_joined(&body.room_id, &user.user_id)? {
        return Err(Error::forbidden("you are not joined to this room"));
    }
    let event = NewEvent {
        kind: body.event_type.to_string().into(),
        content,
        state_key: None,
        txn: Some(txn),
    };
    let pdu = state
        .append_event(&body.room_id, &user.user_id, event)
        .await?;
    Ok(endpoint::Response::new(pdu.event_id.clone()))
}
