//! `PUT /_matrix/client/v3/room_keys/keys[/{roomId}[/{sessionId}]]`: store
//! session keys in the current backup version; a stored copy is replaced
//! only by a better one. Answers `{etag, count}`.

use ruma::api::client::backup::{
    add_backup_keys::v3 as all, add_backup_keys_for_room::v3 as room,
    add_backup_keys_for_session::v3 as session,
};
use serde_json::{json, Map, Value};

use crate::{AppState, Error, Result, Ruma};

/// `{sessions: {id: data}}` as `{id: data}`.
fn sessions_of(room: &Value) -> Result<Value> {
    room.get("sessions")
        .filter(|s| s.is_object())
        .cloned()
        .ok_or_else(|| Error::BadJson("missing sessions".into()))
}

pub async fn put_all(state: AppState, request: Ruma<all::Request>) -> Result<Value> {
    let user = request.user()?;
    let rooms = request
        .json
        .as_ref()
        .and_then(|j| j.get("rooms"))
        .and_then(Value::as_object);
    let rooms = rooms.ok_or_else(|| Error::BadJson("missing rooms".into()))?;
    let mut by_room = Map::new();
    for (room_id, room) in rooms {
        by_room.insert(room_id.clone(), sessions_of(room)?);
    }
    Ok(state
        .put_backup_keys(&user.user_id, &request.body.version, &by_room)
        .await?)
}

pub async fn put_room(state: AppState, request: Ruma<room::Request>) -> Result<Value> {
    let user = request.user()?;
    let body = request
        .json
        .as_ref()
        .ok_or_else(|| Error::BadJson("missing body".into()))?;
    let by_room = Map::from_iter([(request.body.room_id.to_string(), sessions_of(body)?)]);
    Ok(state
        .put_backup_keys(&user.user_id, &request.body.version, &by_room)
        .await?)
}

pub async fn put_session(state: AppState, request: Ruma<session::Request>) -> Result<Value> {
    let user = request.user()?;
    let data = request
        .json
        .clone()
        .filter(Value::is_object)
        .ok_or_else(|| Error::BadJson("missing key data".into()))?;
    let sessions = json!({ request.body.session_id.clone(): data });
    let by_room = Map::from_iter([(request.body.room_id.to_string(), sessions)]);
    Ok(state
        .put_backup_keys(&user.user_id, &request.body.version, &by_room)
        .await?)
}
