//! Membership: join, invite, leave, and the user's room list.

mod ban;
mod forget;
mod invite;
mod join;
mod join_by_id_or_alias;
mod joined_members;
mod joined_rooms;
mod kick;
mod knock;
mod leave;
mod members;
mod unban;

use axum::Router;

use crate::{router::RouterExt, AppState};

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    router
        .ruma(join::join)
        .ruma(join_by_id_or_alias::join_by_id_or_alias)
        .ruma(invite::invite)
        .ruma(leave::leave)
        .ruma(joined_rooms::joined_rooms)
        .ruma(kick::kick)
        .ruma(ban::ban)
        .ruma(unban::unban)
        .ruma(forget::forget)
        .ruma(joined_members::joined_members)
        .ruma(members::members)
        .ruma(knock::knock)
}
