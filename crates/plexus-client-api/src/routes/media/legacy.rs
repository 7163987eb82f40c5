//! The deprecated unauthenticated `/_matrix/media/{v3,r0}/download`,
//! `/thumbnail` and `/config`. With `media.legacy_unauthenticated = false`
//! (the default) they answer `404 M_NOT_FOUND`, as the spec's media freeze
//! allows; with `true` they serve like the authenticated endpoints.

use axum::{
    extract::{rejection::QueryRejection, Path, Query, State},
    response::Response,
    routing::get,
    Json, Router,
};
use serde_json::Value;

use super::{config, download, thumbnail};
use crate::{AppState, Auth, Error, Result};

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    ["v3", "r0"].into_iter().fold(router, |router, version| {
        let base = format!("/_matrix/media/{version}");
        router
            .route(&format!("{base}/config"), get(legacy_config))
            .route(
                &format!("{base}/download/{{server_name}}/{{media_id}}"),
                get(legacy_download),
            )
            .route(
                &format!("{base}/download/{{server_name}}/{{media_id}}/{{file_name}}"),
                get(legacy_download),
            )
            .route(
                &format!("{base}/thumbnail/{{server_name}}/{{media_id}}"),
                get(legacy_thumbnail),
            )
    })
}

fn enabled(state: &AppState) -> Result<()> {
    match state.config.media.legacy_unauthenticated {
        true => Ok(()),
        false => Err(Error::not_found(
            "use the authenticated /_matrix/client/v1/media endpoints",
        )),
    }
}

async fn legacy_config(State(state): State<AppState>, Auth(_user): Auth) -> Result<Json<Value>> {
    enabled(&state)?;
    Ok(config::media_config(&state))
}

async fn legacy_download(
    State(state): State<AppState>,
    Path(path): Path<download::DownloadPath>,
    query: Result<Query<download::DownloadQuery>, QueryRejection>,
) -> Result<Response> {
    enabled(&state)?;
    download::serve(&state, path, query).await
}

async fn legacy_thumbnail(
    State(state): State<AppState>,
    Path((server_name, media_id)): Path<(String, String)>,
    query: Result<Query<thumbnail::ThumbnailQuery>, QueryRejection>,
) -> Result<Response> {
    enabled(&state)?;
    thumbnail::serve(&state, &server_name, &media_id, query).await
}
