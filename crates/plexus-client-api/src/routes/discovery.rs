//! Server discovery: `/versions`, `/.well-known/matrix/*`, capabilities.

mod capabilities;
mod versions;
mod well_known;

use axum::Router;

use crate::{router::RouterExt, AppState};

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    well_known::routes(router)
        .ruma(versions::versions)
        .ruma(capabilities::capabilities)
}
