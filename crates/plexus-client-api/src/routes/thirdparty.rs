//! Third-party networks (bridges): none on this server, said explicitly so
//! clients do not log errors.

mod protocols;

use axum::Router;

use crate::{router::RouterExt, AppState};

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    router.ruma(protocols::protocols)
}
