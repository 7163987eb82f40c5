//! `GET /_matrix/federation/v1/state/{roomId}?event_id=` and
//! `/state_ids/{roomId}?event_id=`: the room state before an event plus its
//! auth chain, as PDUs or as event IDs, for servers in the room.

use std::sync::Arc;

use axum::{
    extract::{Path, Query, State},
    Json,
};
use plexus_core::Pdu;
use serde::Deserialize;
use serde_json::{json, Value};

use super::event::pdus_json;
use crate::{
    acl::readable_room, error::Result, history::auth_chain, history::event_in_room, Federation,
    FederationAuth, FederationError,
};

/// Stored events, shared with the cache.
type Events = Vec<Arc<Pdu>>;

#[derive(Deserialize)]
pub struct AtEvent {
    event_id: String,
}

pub async fn state(
    State(federation): State<Arc<Federation>>,
    Path(room_id): Path<String>,
    Query(query): Query<AtEvent>,
    auth: FederationAuth,
) -> Result<Json<Value>> {
    let (state, chain) = state_and_chain(&federation, &room_id, &query.event_id, &auth)?;
    let services = &federation.services;
    Ok(Json(json!({
        "pdus": pdus_json(services, &state)?,
        "auth_chain": pdus_json(services, &chain)?,
    })))
}

pub async fn state_ids(
    State(federation): State<Arc<Federation>>,
    Path(room_id): Path<String>,
    Query(query): Query<AtEvent>,
    auth: FederationAuth,
) -> Result<Json<Value>> {
    let (state, chain) = state_and_chain(&federation, &room_id, &query.event_id, &auth)?;
    let ids = |events: &[Arc<Pdu>]| -> Vec<String> {
        events.iter().map(|e| e.event_id.to_string()).collect()
    };
    Ok(Json(json!({
        "pdu_ids": ids(&state),
        "auth_chain_ids": ids(&chain),
    })))
}

/// The state before `event_id` and the auth chain of that state: 403 when
/// the origin is not in the room, 404 when the event or its state is unknown.
fn state_and_chain(
    federation: &Federation,
    room_id: &str,
    event_id: &str,
    auth: &FederationAuth,
) -> Result<(Events, Events)> {
    let services = &federation.services;
    let room_id = readable_room(services, room_id, &auth.origin)?;
    if !services.server_in_room(&room_id, &auth.origin)? {
        return Err(FederationError::Forbidden(
            "your server is not in this room".into(),
        ));
    }
    let Some((pdu, meta)) = event_in_room(services, &room_id, event_id)? else {
        return Err(FederationError::NotFound("unknown event".into()));
    };
    // Outliers have no state of their own (only the create event starts from none).
    let is_create = pdu.kind.to_string() == "m.room.create";
    if meta.stream == 0 && !meta.soft_failed && !is_create {
        return Err(FederationError::NotFound(
            "this server does not know the state at that event".into(),
        ));
    }
    if !services.server_can_see_event_with(&auth.origin, &pdu, &meta)? {
        return Err(FederationError::Forbidden(
            "your server may not see this event".into(),
        ));
    }
    let state = services.state_events_in_group(meta.state_before)?;
    let chain = auth_chain(services, state.iter().map(|e| &**e))?;
    Ok((state, chain))
}
