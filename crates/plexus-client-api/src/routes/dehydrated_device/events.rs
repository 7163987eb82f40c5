//! `POST /_matrix/client/unstable/org.matrix.msc3814.v1/dehydrated_device/{deviceId}/events`:
//! a page of the dehydrated device's to-device messages; passing the
//! previous `next_batch` acknowledges (deletes) what came before it.

use axum::{
    extract::{Path, State},
    Json,
};
use bytes::Bytes;
use serde_json::Value;

use super::json_body;
use crate::{AppState, Auth, Result};

pub async fn device_events(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(device_id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>> {
    let body = json_body(&body)?;
    let next_batch = body.get("next_batch").and_then(Value::as_str);
    Ok(Json(state.dehydrated_device_events(
        &user.user_id,
        &device_id,
        next_batch,
    )?))
}
