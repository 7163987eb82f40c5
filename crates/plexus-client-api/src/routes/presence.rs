//! Presence: a user sets their own state; users who share a room read it.

mod get_presence;
mod set_presence;

use axum::Router;

use crate::{router::RouterExt, AppState};

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    router
        .ruma(set_presence::set_presence)
        .ruma(get_presence::get_presence)
}
