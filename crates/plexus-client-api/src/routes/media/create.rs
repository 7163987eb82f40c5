//! `POST /_matrix/media/v1/create`: reserve a media ID to upload to later.

use axum::{extract::State, Json};
use serde_json::{json, Value};

use crate::{AppState, Auth, Result};

pub async fn create(State(state): State<AppState>, Auth(user): Auth) -> Result<Json<Value>> {
    let (media_id, expires_at) = state.create_media_id(&user.user_id).await?;
    Ok(Json(json!({
        "content_uri": format!("mxc://{}/{media_id}", state.server_name()),
        "unused_expires_at": expires_at,
    })))
}
