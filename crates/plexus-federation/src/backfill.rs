//! Fetching a room's history from the servers in it (`/backfill`) when a
//! user pages past the earliest event this server holds. Each event is
//! verified and checked against its own auth events (fetched when
//! missing) before it is stored below the room's timeline.

use http::Method;
use plexus_service::{events::rules_for, ServiceError};
use ruma::{room_version_rules::RoomVersionRules, RoomId, ServerName};

use crate::{
    pdu::{check_against_auth_events, fetch, verify_pdu},
    Federation,
};

/// Most events asked for in one `/backfill`.
const MAX_BACKFILL: usize = 100;

/// Fetches up to `limit` events older than the room's earliest local one;
/// returns how many were stored.
pub async fn backfill(
    federation: &Federation,
    room_id: &RoomId,
    limit: usize,
) -> Result<usize, ServiceError> {
    let services = &federation.services;
    let Some((_, earliest)) = services.earliest_timeline_event(room_id)? else {
        return Ok(0);
    };
    let Some(oldest) = services.pdu(&earliest)? else {
        return Ok(0);
    };
    if oldest.prev_events.is_empty() || oldest.kind.to_string() == "m.room.create" {
        return Ok(0);
    }
    let Some(room) = services.room_record(room_id)? else {
        return Ok(0);
    };
    let rules = rules_for(&room.version)?;
    let from: Vec<String> = oldest.prev_events.iter().map(ToString::to_string).collect();
    for server in services.remote_servers_in_room(room_id)? {
        match backfill_from(federation, &server, room_id, &from, limit, &rules).await {
            Ok(added) if added > 0 => return Ok(added),
            Ok(_) => {}
            Err(e) => tracing::info!(%server, %room_id, "backfill failed: {e}"),
        }
    }
    Ok(0)
}

async fn backfill_from(
    federation: &Federation,
    server: &ServerName,
    room_id: &RoomId,
    from: &[String],
    limit: usize,
    rules: &RoomVersionRules,
) -> Result<usize, ServiceError> {
    let mut query: Vec<String> = from
        .iter()
        .map(|id| format!("v={}", fetch::encode(id)))
        .collect();
    query.push(format!("limit={}", limit.clamp(1, MAX_BACKFILL)));
    let path = format!(
        "/_matrix/federation/v1/backfill/{}?{}",
        fetch::encode(room_id.as_str()),
        query.join("&")
    );
    let answer = federation
        .client
        .send(server.as_str(), Method::GET, &path, None)
        .await
        .map_err(|e| ServiceError::Remote(format!("{server}: {e}")))?;
    let mut accepted = Vec::new();
    for json in fetch::objects(&answer, "pdus") {
        let Ok(pdu) = verify_pdu(federation, json, rules).await else {
            continue;
        };
        if pdu.room_id != room_id {
            continue;
        }
        match check_against_auth_events(federation, server, &pdu, rules).await {
            Ok(()) => accepted.push(pdu),
            Err(e) => tracing::info!(event_id = %pdu.event_id, "backfilled event rejected: {e}"),
        }
    }
    federation
        .services
        .persist_backfilled(room_id, accepted)
        .await
}
