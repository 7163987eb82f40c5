//! Room creation, upgrades, space hierarchies and room summaries.

mod create;
mod hierarchy;
mod summary;
mod upgrade;

use axum::Router;

use crate::{
    router::{RouterExt, RouterJsonExt},
    AppState,
};

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    let router = router
        .ruma(create::create_room)
        .ruma(upgrade::upgrade_room)
        .ruma(hierarchy::get_hierarchy)
        .ruma_json(summary::get_summary);
    summary::old_unstable_route(router)
}
