//! Server-side key backup (`/room_keys`): versions and the encrypted
//! session keys in them.

mod delete_keys;
mod get_keys;
mod put_keys;
mod version;

use axum::Router;

use crate::{router::RouterJsonExt, AppState};

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    router
        .ruma_json(version::create_version)
        .ruma_json(version::get_version)
        .ruma_json(version::get_latest_version)
        .ruma_json(version::update_version)
        .ruma_json(version::delete_version)
        .ruma_json(put_keys::put_all)
        .ruma_json(put_keys::put_room)
        .ruma_json(put_keys::put_session)
        .ruma_json(get_keys::get_all)
        .ruma_json(get_keys::get_room)
        .ruma_json(get_keys::get_session)
        .ruma_json(delete_keys::delete_all)
        .ruma_json(delete_keys::delete_room)
        .ruma_json(delete_keys::delete_session)
}
