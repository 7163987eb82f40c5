//! Account data (global and per room) and room tags, which are the per-room
//! `m.tag` account data. Only the owner may read or write them.

mod create_tag;
mod delete_tag;
mod get_global;
mod get_room;
mod get_tags;
mod set_global;
mod set_room;

use axum::Router;
use plexus_service::users::Requester;
use ruma::UserId;

use crate::{router::RouterExt, AppState, Error, Result};

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    router
        .ruma(get_global::get_global_account_data)
        .ruma(set_global::set_global_account_data)
        .ruma(get_room::get_room_account_data)
        .ruma(set_room::set_room_account_data)
        .ruma(get_tags::get_tags)
        .ruma(create_tag::create_tag)
        .ruma(delete_tag::delete_tag)
}

/// `M_FORBIDDEN` unless the caller is `target`: per-user data (account data,
/// filters, presence, profile) is written (and, for private data, read) only
/// by its owner. Shared by the groups that keep such data.
pub(crate) fn ensure_own_user(caller: &Requester, target: &UserId) -> Result<()> {
    if caller.user_id == target {
        Ok(())
    } else {
        Err(Error::forbidden(format!(
            "{} cannot act on the data of {target}",
            caller.user_id
        )))
    }
}

/// Types the server manages through their own APIs (read markers, push
/// rules); the spec has them refused with 405 `M_BAD_JSON`, globally and per room.
fn reject_server_managed(kind: &str) -> Result<()> {
    if matches!(kind, "m.fully_read" | "m.push_rules") {
        return Err(Error::ServerManaged(format!(
            "cannot set {kind} through this API"
        )));
    }
    Ok(())
}
