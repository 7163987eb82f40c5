//! Ephemeral room data: typing notifications, read receipts, read markers.

mod read_markers;
mod receipt;
mod typing;

use axum::Router;

use crate::{router::RouterExt, AppState};

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    router
        .ruma(typing::typing)
        .ruma(receipt::receipt)
        .ruma(read_markers::read_markers)
}
