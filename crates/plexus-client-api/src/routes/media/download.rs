//! `GET /_matrix/client/v1/media/download/{serverName}/{mediaId}[/{fileName}]`.

use axum::{
    extract::{rejection::QueryRejection, Path, Query, State},
    response::Response,
};
use serde::Deserialize;

use super::headers;
use crate::{AppState, Auth, Error, Result};

/// Default wait for a `/create`d ID whose upload has not come (the spec's 20 s).
pub const DEFAULT_TIMEOUT_MS: u64 = 20_000;

#[derive(Deserialize)]
pub struct DownloadPath {
    server_name: String,
    media_id: String,
    #[serde(default)]
    file_name: Option<String>,
}

#[derive(Deserialize)]
pub struct DownloadQuery {
    timeout_ms: Option<u64>,
}

pub async fn download(
    State(state): State<AppState>,
    Auth(_user): Auth,
    Path(path): Path<DownloadPath>,
    query: Result<Query<DownloadQuery>, QueryRejection>,
) -> Result<Response> {
    serve(&state, path, query).await
}

/// The download itself, shared with the legacy endpoint.
pub async fn serve(
    state: &AppState,
    path: DownloadPath,
    query: Result<Query<DownloadQuery>, QueryRejection>,
) -> Result<Response> {
    let Query(query) = query.map_err(|e| Error::invalid(e.body_text()))?;
    let wait = query.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS);
    let file = state
        .media_file(&path.server_name, &path.media_id, wait)
        .await?;
    let filename = path.file_name.or_else(|| file.filename.clone());
    headers::stream_file(file, filename.as_deref()).await
}
