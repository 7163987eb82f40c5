//! `/sync` (classic) and simplified sliding sync.

mod sliding;
mod sync_events;

use axum::Router;

use crate::{router::RouterJsonExt, AppState};

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    router
        .ruma_json(sync_events::sync_events)
        .route(sliding::PATH, axum::routing::post(sliding::sliding_sync))
}
