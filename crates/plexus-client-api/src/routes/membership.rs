//! Membership: join, invite, leave, and the user's room list.

mod invite;
mod join;
mod join_by_id_or_alias;
mod joined_rooms;
mod knock;
mod leave;

use axum::Router;

use crate::{router::RouterExt, AppState};

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    router
        .ruma(join::join)
        .ruma(join_by_id_or_alias::join_by_id_or_alias)
        .ruma(invite::invite)
        .ruma(leave::leave)
        .ruma(joined_rooms::joined_rooms)
        .ruma(knock::knock)
}
