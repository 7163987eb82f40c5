//! `PUT /_matrix/client/v3/sendToDevice/{eventType}/{txnId}`: queues a
//! message per addressed device (`*` = all of a user's devices);
//! idempotent per sending device and txnId.

use plexus_service::e2ee::to_device::ToDeviceSend;
use ruma::api::client::to_device::send_event_to_device::v3 as endpoint;
use serde_json::{json, Value};

use crate::{AppState, Result, Ruma};

pub async fn send_to_device(state: AppState, request: Ruma<endpoint::Request>) -> Result<Value> {
    let user = request.user()?;
    let messages = request
        .json
        .as_ref()
        .and_then(|j| j.get("messages"))
        .cloned()
        .unwrap_or_else(|| json!({}));
    let send = ToDeviceSend {
        event_type: &request.body.event_type.to_string(),
        txn_id: request.body.txn_id.as_str(),
        messages: &messages,
    };
    state
        .send_to_device(&user.user_id, &user.device_id, send)
        .await?;
    Ok(json!({}))
}
