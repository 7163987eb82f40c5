//! `GET /_matrix/client/v3/rooms/{roomId}/joined_members` (members only).

use std::collections::BTreeMap;

use ruma::{
    api::client::membership::joined_members::v3::{self as endpoint, RoomMember},
    UserId,
};

use crate::{AppState, Result, Ruma};

pub async fn joined_members(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    let mut joined = BTreeMap::new();
    for member in state.joined_members(&request.body.room_id, &user.user_id)? {
        let Ok(user_id) = UserId::parse(&member.user_id) else {
            continue;
        };
        let mut entry = RoomMember::new();
        entry.display_name = member.displayname;
        entry.avatar_url = member.avatar_url.map(Into::into);
        joined.insert(user_id, entry);
    }
    Ok(endpoint::Response::new(joined))
}
