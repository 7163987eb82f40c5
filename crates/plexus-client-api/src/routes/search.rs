//! Server-side search: `POST /_matrix/client/v3/search`.

mod search_events;

use axum::Router;

use crate::{router::RouterExt, AppState};

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    router.ruma(search_events::search)
}
