//! Event relationships: `/relations/{eventId}[/{relType}[/{eventType}]]`
//! and `/threads`.

mod list;
mod threads;

use axum::Router;

use crate::{router::RouterExt, AppState};

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    router
        .ruma(list::relating_events)
        .ruma(list::relating_events_with_rel_type)
        .ruma(list::relating_events_with_rel_type_and_event_type)
        .ruma(threads::get_threads)
}
