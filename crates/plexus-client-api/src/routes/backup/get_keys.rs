//! `GET /_matrix/client/v3/room_keys/keys[/{roomId}[/{sessionId}]]`.

use plexus_service::e2ee::backup::BackupScope;
use ruma::api::client::backup::{
    get_backup_keys::v3 as all, get_backup_keys_for_room::v3 as room,
    get_backup_keys_for_session::v3 as session,
};
use serde_json::Value;

use crate::{AppState, Result, Ruma};

pub async fn get_all(state: AppState, request: Ruma<all::Request>) -> Result<Value> {
    let user = request.user()?;
    Ok(state.get_backup_keys(&user.user_id, &request.body.version, BackupScope::ALL)?)
}

pub async fn get_room(state: AppState, request: Ruma<room::Request>) -> Result<Value> {
    let user = request.user()?;
    let scope = BackupScope {
        room: Some(request.body.room_id.as_str()),
        session: None,
    };
    Ok(state.get_backup_keys(&user.user_id, &request.body.version, scope)?)
}

pub async fn get_session(state: AppState, request: Ruma<session::Request>) -> Result<Value> {
    let user = request.user()?;
    let scope = BackupScope {
        room: Some(request.body.room_id.as_str()),
        session: Some(&request.body.session_id),
    };
    Ok(state.get_backup_keys(&user.user_id, &request.body.version, scope)?)
}
