//! `PUT /_matrix/client/v3/directory/list/room/{roomId}`: publish or hide a
//! room; for its creator, users who may set its canonical alias, and server admins.

use ruma::api::client::{directory::set_room_visibility::v3 as endpoint, room::Visibility};

use crate::{AppState, Error, Result, Ruma};

pub async fn set_visibility(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    let body = &request.body;
    if !state.room_exists(&body.room_id)? {
        return Err(Error::not_found("unknown room"));
    }
    let public = match body.visibility {
        Visibility::Public => true,
        Visibility::Private => false,
        _ => return Err(Error::invalid("visibility must be public or private")),
    };
    let allowed = user.admin
        || state.is_room_creator(&body.room_id, &user.user_id)?
        || state.user_can_send_state(&body.room_id, &user.user_id, "m.room.canonical_alias")?;
    if !allowed {
        return Err(Error::forbidden(
            "you may not change this room's directory visibility",
        ));
    }
    state.set_room_public(&body.room_id, public)?;
    Ok(endpoint::Response::new())
}
