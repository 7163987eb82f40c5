//! `GET /_matrix/federation/v1/timestamp_to_event/{roomId}?ts=&dir=`: the
//! event closest to a time in one direction that the requesting server may see.

use std::sync::Arc;

use axum::{
    extract::{Path, Query, State},
    Json,
};
use plexus_storage::Direction;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::{acl::readable_room, error::Result, Federation, FederationAuth, FederationError};

/// Events scanned at most before giving up (404).
const MAX_SCAN: usize = 10_000;

#[derive(Deserialize)]
pub struct TimestampQuery {
    ts: u64,
    dir: String,
}

pub async fn timestamp_to_event(
    State(federation): State<Arc<Federation>>,
    Path(room_id): Path<String>,
    Query(query): Query<TimestampQuery>,
    auth: FederationAuth,
) -> Result<Json<Value>> {
    let services = &federation.services;
    let room_id = readable_room(services, &room_id, &auth.origin)?;
    let (direction, from) = match query.dir.as_str() {
        "f" => (Direction::Forward, 0),
        "b" => (Direction::Backward, u64::MAX),
        _ => return Err(FederationError::InvalidParam("dir must be f or b".into())),
    };
    for row in services
        .timeline_scan(&room_id, from, direction)?
        .take(MAX_SCAN)
    {
        let (_, event_id) = row?;
        let (Some(pdu), Some(meta)) = (services.pdu(&event_id)?, services.event_meta(&event_id)?)
        else {
            continue;
        };
        let hit = match direction {
            Direction::Forward => pdu.origin_server_ts >= query.ts,
            Direction::Backward => pdu.origin_server_ts <= query.ts,
        };
        if hit && services.server_can_see_event_with(&auth.origin, &pdu, &meta)? {
            return Ok(Json(json!({
                "event_id": event_id,
                "origin_server_ts": pdu.origin_server_ts,
            })));
        }
    }
    Err(FederationError::NotFound(
        "no event found in that direction".into(),
    ))
}
