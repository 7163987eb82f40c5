//! `/sync` and filters.

mod sync_events;

use axum::Router;

use crate::{router::RouterJsonExt, AppState};

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    router.ruma_json(sync_events::sync_events)
}
