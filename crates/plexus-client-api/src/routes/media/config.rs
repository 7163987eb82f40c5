//! `GET /_matrix/client/v1/media/config`: the upload size limit.

use axum::{extract::State, Json};
use serde_json::{json, Value};

use crate::{AppState, Auth};

pub async fn config(State(state): State<AppState>, Auth(_user): Auth) -> Json<Value> {
    media_config(&state)
}

/// The body, shared with the legacy endpoint.
pub fn media_config(state: &AppState) -> Json<Value> {
    Json(json!({ "m.upload.size": state.media_upload_limit() }))
}
