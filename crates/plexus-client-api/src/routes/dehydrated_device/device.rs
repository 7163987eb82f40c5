//! `GET`, `PUT` and `DELETE /_matrix/client/unstable/org.matrix.msc3814.v1/dehydrated_device`:
//! read, create (replacing the previous one, with its keys) and delete the
//! caller's dehydrated device.

use axum::{extract::State, Json};
use bytes::Bytes;
use serde_json::{json, Value};

use super::json_body;
use crate::{AppState, Auth, Error, Result};

pub async fn get_device(State(state): State<AppState>, Auth(user): Auth) -> Result<Json<Value>> {
    let device = state
        .dehydrated_device(&user.user_id)?
        .ok_or_else(|| Error::not_found("no dehydrated device"))?;
    Ok(Json(
        json!({ "device_id": device.device_id, "device_data": device.device_data }),
    ))
}

pub async fn put_device(
    State(state): State<AppState>,
    Auth(user): Auth,
    body: Bytes,
) -> Result<Json<Value>> {
    let body = json_body(&body)?;
    let device_id = state.put_dehydrated_device(&user.user_id, &body)?;
    Ok(Json(json!({ "device_id": device_id })))
}

pub async fn delete_device(State(state): State<AppState>, Auth(user): Auth) -> Result<Json<Value>> {
    let device_id = state.delete_dehydrated_device(&user.user_id)?;
    Ok(Json(json!({ "device_id": device_id })))
}
