//! Push rules (read and edit), pushers and `/notifications`. Pushers are
//! stored only; delivery to push gateways comes with a later issue.

mod actions;
mod enabled;
mod notifications;
mod pushers;
mod pushers_set;
mod pushrules;
mod rule_delete;
mod rule_get;
mod rule_set;

use axum::Router;

use crate::{router::RouterExt, AppState};

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    router
        .ruma(pushrules::all)
        .ruma(pushrules::global)
        .ruma(rule_get::get_rule)
        .ruma(rule_set::set_rule)
        .ruma(rule_delete::delete_rule)
        .ruma(enabled::get_enabled)
        .ruma(enabled::set_enabled)
        .ruma(actions::get_actions)
        .ruma(actions::set_actions)
        .ruma(pushers::pushers)
        .ruma(pushers_set::set_pusher)
        .ruma(notifications::notifications)
}
