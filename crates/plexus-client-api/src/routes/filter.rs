//! Stored event filters, readable and writable only by their owner.

mod create_filter;
mod get_filter;

use axum::Router;

use crate::{router::RouterExt, AppState};

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    router
        .ruma(create_filter::create_filter)
        .ruma(get_filter::get_filter)
}
