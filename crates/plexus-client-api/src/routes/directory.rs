//! The directory: room aliases, the public room list and its visibility
//! switch, and the user directory.

mod create_alias;
mod delete_alias;
mod get_alias;
mod get_visibility;
mod public_rooms;
mod public_rooms_filtered;
mod public_rooms_page;
mod room_aliases;
mod search_users;
mod set_visibility;

use axum::Router;

use crate::{router::RouterExt, AppState};

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    router
        .ruma(create_alias::create_alias)
        .ruma(get_alias::get_alias)
        .ruma(delete_alias::delete_alias)
        .ruma(room_aliases::room_aliases)
        .ruma(public_rooms::public_rooms)
        .ruma(public_rooms_filtered::public_rooms_filtered)
        .ruma(get_visibility::get_visibility)
        .ruma(set_visibility::set_visibility)
        .ruma(search_users::search_users)
}
