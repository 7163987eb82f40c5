//! Room state: send a state event, read one, read all.

mod get_state;
mod get_state_event;
mod send_state;

use axum::Router;

use crate::{router::RouterExt, AppState};

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    router
        .ruma(send_state::send_state)
        .ruma(get_state_event::get_state_event)
        .ruma(get_state::get_state)
}
