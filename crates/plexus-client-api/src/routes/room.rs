//! Room creation, upgrades and space hierarchies.

mod create;
mod hierarchy;
mod upgrade;

use axum::Router;

use crate::{router::RouterExt, AppState};

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    router
        .ruma(create::create_room)
        .ruma(upgrade::upgrade_room)
        .ruma(hierarchy::get_hierarchy)
}
