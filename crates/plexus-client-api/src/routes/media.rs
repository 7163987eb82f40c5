//! The media repository: uploads (`/_matrix/media/v3/upload`, the
//! `/_matrix/media/v1/create` + `PUT` pair), authenticated downloads and
//! thumbnails under `/_matrix/client/v1/media`, and the deprecated
//! unauthenticated `/_matrix/media/v3` reads behind `media.legacy_unauthenticated`.
//!
//! Bodies are raw bytes, so these handlers use plain axum extractors rather
//! than `Ruma<T>`, and enforce `media.max_upload_bytes` themselves.

mod body;
mod config;
mod create;
mod download;
mod headers;
mod legacy;
mod thumbnail;
mod upload;
mod upload_to;

use axum::{
    routing::{get, post, put},
    Router,
};

use crate::AppState;

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    let router = router
        .route("/_matrix/client/v1/media/config", get(config::config))
        .route(
            "/_matrix/client/v1/media/download/{server_name}/{media_id}",
            get(download::download),
        )
        .route(
            "/_matrix/client/v1/media/download/{server_name}/{media_id}/{file_name}",
            get(download::download),
        )
        .route(
            "/_matrix/client/v1/media/thumbnail/{server_name}/{media_id}",
            get(thumbnail::thumbnail),
        )
        .route("/_matrix/media/v1/create", post(create::create))
        .route(
            "/_matrix/media/v3/upload/{server_name}/{media_id}",
            put(upload_to::upload_to),
        );
    let router = ["v3", "r0"].into_iter().fold(router, |router, version| {
        router.route(
            &format!("/_matrix/media/{version}/upload"),
            post(upload::upload),
        )
    });
    legacy::routes(router)
}
