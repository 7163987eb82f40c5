//! Message events: send (idempotent per device and txnId) and paginate.

mod messages;
mod send;

use axum::Router;

use crate::{router::RouterExt, AppState};

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    router.ruma(send::send).ruma(messages::messages)
}
