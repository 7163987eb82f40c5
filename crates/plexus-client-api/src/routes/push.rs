//! Push rules (read side) and pushers. Clients fetch these at start-up;
//! editing rules and push gateways come with the push-rules issue.

mod pushers;
mod pushrules;

use axum::Router;

use crate::{router::RouterExt, AppState};

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    router
        .ruma(pushrules::all)
        .ruma(pushrules::global)
        .ruma(pushers::pushers)
}
