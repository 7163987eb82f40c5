//! `PUT /_matrix/client/v3/rooms/{roomId}/state/{eventType}/{stateKey}`.

use plexus_service::events::NewEvent;
use ruma::api::client::state::send_state_event::v3 as endpoint;

use crate::{json::object_from_raw, AppState, Error, Result, Ruma};

pub async fn send_state(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?.clone();
    let body = &request.body;
    let content = object_from_raw(&body.body)?;
    let kind = body.event_type.to_string();
    if kind == "m.room.canonical_alias" {
        check_canonical_alias(&state, &body.room_id, &content)?;
    }
    if kind == "m.room.member" {
        return Err(Error::forbidden(
            "use the membership endpoints to change membership",
        ));
    }
    let event = NewEvent::state(&kind, &body.state_key, content);
    let pdu = state
        .append_event(&body.room_id, &user.user_id, event)
        .await?;
    Ok(endpoint::Response::new(pdu.event_id.clone()))
}

/// The spec: aliases in `m.room.canonical_alias` must exist and point to this room.
fn check_canonical_alias(
    state: &AppState,
    room_id: &ruma::RoomId,
    content: &serde_json::Value,
) -> Result<()> {
    let mut aliases: Vec<&str> = Vec::new();
    if let Some(alias) = content.get("alias").and_then(|a| a.as_str()) {
        aliases.push(alias);
    }
    if let Some(alt) = content.get("alt_aliases").and_then(|a| a.as_array()) {
        aliases.extend(alt.iter().filter_map(|a| a.as_str()));
    }
    for alias in aliases {
        if ruma::RoomAliasId::parse(alias).is_err() {
            return Err(Error::Service(plexus_service::ServiceError::InvalidParam(
                format!("{alias} is not a valid alias"),
            )));
        }
        let local = alias.ends_with(&format!(":{}", state.server_name()));
        if local && state.resolve_alias(alias)?.as_deref() != Some(room_id) {
            return Err(Error::Service(plexus_service::ServiceError::BadAlias(
                format!("{alias} does not point to this room"),
            )));
        }
    }
    Ok(())
}
