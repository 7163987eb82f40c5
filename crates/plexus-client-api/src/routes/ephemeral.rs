//! Endpoints of the `ephemeral` group (see the files beside this one).

use axum::Router;

use crate::AppState;

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    router
}
