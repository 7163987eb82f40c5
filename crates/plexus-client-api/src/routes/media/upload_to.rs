//! `PUT /_matrix/media/v3/upload/{serverName}/{mediaId}`: the upload to an
//! ID from `/create`; only its creator may, and only once.

use axum::{
    extract::{rejection::QueryRejection, Path, Query, Request, State},
    Json,
};
use serde_json::{json, Value};

use super::{body, upload::UploadQuery};
use crate::{AppState, Auth, Error, Result};

pub async fn upload_to(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path((server_name, media_id)): Path<(String, String)>,
    query: Result<Query<UploadQuery>, QueryRejection>,
    request: Request,
) -> Result<Json<Value>> {
    let Query(query) = query.map_err(|e| Error::invalid(e.body_text()))?;
    if server_name != state.server_name().as_str() {
        return Err(Error::not_found(
            "media IDs of other servers cannot be uploaded to here",
        ));
    }
    // Refuse before reading a possibly large body.
    state.check_pending_upload(&user.user_id, &media_id)?;
    let meta = body::new_media(request.headers(), query.filename)?;
    body::receive(&state, &user.user_id, request, meta, Some(&media_id)).await?;
    Ok(Json(json!({})))
}
