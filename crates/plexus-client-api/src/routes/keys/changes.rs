//! `GET /_matrix/client/v3/keys/changes?from=&to=`: users whose keys
//! changed, or who stopped sharing a room with the caller, between two sync tokens.

use plexus_service::sync::parse_token;
use ruma::api::client::keys::get_key_changes::v3 as endpoint;
use serde_json::{json, Value};

use crate::{AppState, Error, Result, Ruma};

pub async fn key_changes(state: AppState, request: Ruma<endpoint::Request>) -> Result<Value> {
    let user = request.user()?;
    let from =
        parse_token(&request.body.from).ok_or_else(|| Error::invalid("invalid from token"))?;
    let to = parse_token(&request.body.to).ok_or_else(|| Error::invalid("invalid to token"))?;
    let to = to.min(state.stream.current());
    let changes = state.device_list_changes(&user.user_id, from, to)?;
    Ok(json!({ "changed": changes.changed, "left": changes.left }))
}
