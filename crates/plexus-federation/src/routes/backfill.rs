//! `GET /_matrix/federation/v1/backfill/{roomId}?v=…&limit=` and
//! `POST /_matrix/federation/v1/get_missing_events/{roomId}`: history before
//! given events, filtered by what the requesting server may see.

use std::sync::Arc;

use axum::{
    extract::{Path, RawQuery, State},
    Json,
};
use plexus_core::time::now_millis;
use serde_json::{json, Value};

use crate::{
    acl::readable_room,
    error::Result,
    history::{self, federation_json, MissingEvents},
    Federation, FederationAuth, FederationError,
};

pub async fn backfill(
    State(federation): State<Arc<Federation>>,
    Path(room_id): Path<String>,
    RawQuery(query): RawQuery,
    auth: FederationAuth,
) -> Result<Json<Value>> {
    let services = &federation.services;
    let room_id = readable_room(services, &room_id, &auth.origin)?;
    let (from, limit) = backfill_query(query.as_deref().unwrap_or(""))?;
    let limit = limit.min(history::MAX_LIMIT);
    let events = history::backfill(services, &auth.origin, &room_id, &from, limit)?;
    let pdus = events
        .iter()
        .map(|(pdu, meta)| federation_json(services, pdu, meta))
        .collect::<Result<Vec<_>>>()?;
    Ok(Json(json!({
        "origin": services.server_name(),
        "origin_server_ts": now_millis(),
        "pdus": pdus,
    })))
}

/// `v` (repeated) and `limit` of a backfill query.
fn backfill_query(query: &str) -> Result<(Vec<String>, usize)> {
    let mut from = Vec::new();
    let mut limit = None;
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match &*key {
            "v" => from.push(value.into_owned()),
            "limit" => {
                limit = Some(value.parse().map_err(|_| {
                    FederationError::InvalidParam("limit must be a non-negative integer".into())
                })?)
            }
            _ => {}
        }
    }
    if from.is_empty() {
        return Err(FederationError::MissingParam("v".into()));
    }
    let limit = limit.ok_or_else(|| FederationError::MissingParam("limit".into()))?;
    Ok((from, limit))
}

pub async fn get_missing_events(
    State(federation): State<Arc<Federation>>,
    Path(room_id): Path<String>,
    auth: FederationAuth,
) -> Result<Json<Value>> {
    let services = &federation.services;
    let room_id = readable_room(services, &room_id, &auth.origin)?;
    let request: MissingEvents = auth.body()?;
    let events = history::missing_events(services, &auth.origin, &room_id, &request)?;
    let events = events
        .iter()
        .map(|(pdu, meta)| federation_json(services, pdu, meta))
        .collect::<Result<Vec<_>>>()?;
    Ok(Json(json!({ "events": events })))
}

#[cfg(test)]
mod tests {
    use super::backfill_query;

    #[test]
    fn backfill_query_takes_repeated_v_and_needs_limit() {
        let (from, limit) = backfill_query("v=%24a&limit=5&v=%24b").unwrap();
        assert_eq!(from, ["$a", "$b"]);
        assert_eq!(limit, 5);
        assert!(backfill_query("limit=5").is_err());
        assert!(backfill_query("v=%24a").is_err());
        assert!(backfill_query("v=%24a&limit=x").is_err());
    }
}
