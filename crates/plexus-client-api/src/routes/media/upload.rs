//! `POST /_matrix/media/v3/upload?filename=`: upload a file, get its `mxc://` URI.

use axum::{
    extract::{rejection::QueryRejection, Query, Request, State},
    Json,
};
use serde::Deserialize;
use serde_json::{json, Value};

use super::body;
use crate::{AppState, Auth, Error, Result};

#[derive(Deserialize)]
pub struct UploadQuery {
    pub filename: Option<String>,
}

pub async fn upload(
    State(state): State<AppState>,
    Auth(user): Auth,
    query: Result<Query<UploadQuery>, QueryRejection>,
    request: Request,
) -> Result<Json<Value>> {
    let Query(query) = query.map_err(|e| Error::invalid(e.body_text()))?;
    let meta = body::new_media(request.headers(), query.filename)?;
    let media_id = body::receive(&state, &user.user_id, request, meta, None).await?;
    Ok(Json(
        json!({ "content_uri": format!("mxc://{}/{media_id}", state.server_name()) }),
    ))
}
