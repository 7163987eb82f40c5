//! Room creation.

mod create;

use axum::Router;

use crate::{router::RouterExt, AppState};

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    router.ruma(create::create_room)
}
