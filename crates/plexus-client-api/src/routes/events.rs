//! Single events: fetch one, its context, redact it, find one by timestamp.

mod context;
mod get_event;
mod redact;
mod timestamp_to_event;

use axum::Router;

use crate::{router::RouterExt, AppState};

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    router
        .ruma(get_event::get_event)
        .ruma(context::context)
        .ruma(redact::redact)
        .ruma(timestamp_to_event::timestamp_to_event)
}
