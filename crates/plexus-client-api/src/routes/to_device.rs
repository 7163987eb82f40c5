//! To-device messaging.

mod send;

use axum::Router;

use crate::{router::RouterJsonExt, AppState};

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    router.ruma_json(send::send_to_device)
}
