//! `GET /_matrix/client/v1/media/thumbnail/{serverName}/{mediaId}?width=&height=&method=&animated=`.

use axum::{
    extract::{rejection::QueryRejection, Path, Query, State},
    response::Response,
};
use plexus_service::media::{Method, ThumbnailRequest};
use serde::Deserialize;

use super::{download::DEFAULT_TIMEOUT_MS, headers};
use crate::{AppState, Auth, Error, Result};

#[derive(Deserialize)]
pub struct ThumbnailQuery {
    width: u32,
    height: u32,
    method: Option<String>,
    animated: Option<bool>,
    timeout_ms: Option<u64>,
}

pub async fn thumbnail(
    State(state): State<AppState>,
    Auth(_user): Auth,
    Path((server_name, media_id)): Path<(String, String)>,
    query: Result<Query<ThumbnailQuery>, QueryRejection>,
) -> Result<Response> {
    serve(&state, &server_name, &media_id, query).await
}

/// The thumbnail itself, shared with the legacy endpoint.
pub async fn serve(
    state: &AppState,
    server_name: &str,
    media_id: &str,
    query: Result<Query<ThumbnailQuery>, QueryRejection>,
) -> Result<Response> {
    let Query(query) = query.map_err(|e| Error::invalid(e.body_text()))?;
    let method = match query.method.as_deref() {
        None | Some("scale") => Method::Scale,
        Some("crop") => Method::Crop,
        Some(other) => {
            return Err(Error::invalid(format!(
                "unknown thumbnail method {other:?}"
            )))
        }
    };
    let request = ThumbnailRequest {
        width: query.width,
        height: query.height,
        method,
        animated: query.animated.unwrap_or(false),
    };
    let wait = query.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS);
    let file = state
        .media_thumbnail(server_name, media_id, request, wait)
        .await?;
    headers::stream_file(file, None).await
}
