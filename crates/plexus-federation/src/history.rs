//! Walks of the room DAG that other servers ask for: the auth chain of
//! events (`/state`, `/event_auth`), `/backfill` (the events before given
//! ones, newest first) and `/get_missing_events` (the gap between what a
//! server has and what it was sent), plus the federation form of a stored
//! event. Every walk is bounded in the events it visits.

use std::{
    collections::{BinaryHeap, HashSet},
    sync::Arc,
};

use plexus_core::Pdu;
use plexus_service::{events::rules_for, records::EventMetaRecord, Services};
use ruma::{CanonicalJsonValue, RoomId, ServerName};
use serde_json::Value;

use crate::error::{FederationError, Result};

#[cfg(test)]
mod tests;

/// Most events one walk visits, seen or not, whatever the request asks.
const MAX_VISITED: usize = 50_000;
/// Most events `/backfill` and `/get_missing_events` return.
pub const MAX_LIMIT: usize = 100;

/// A stored event as other servers get it: the signed JSON, redacted if a
/// redaction of it was accepted (v3+ JSON carries no `event_id`).
pub fn federation_json(services: &Services, pdu: &Pdu, meta: &EventMetaRecord) -> Result<Value> {
    let mut json = pdu.json.clone();
    if meta.redacted_by.is_some() {
        let version = services
            .room_record(&pdu.room_id)?
            .map(|room| room.version)
            .ok_or_else(|| FederationError::NotFound("unknown room".into()))?;
        let rules = rules_for(&version)?;
        json = ruma::canonical_json::redact(json, &rules.redaction, None)
            .map_err(|e| FederationError::Service(plexus_service::ServiceError::internal(e)))?;
    }
    json.remove("unsigned");
    Ok(CanonicalJsonValue::Object(json).into())
}

/// The stored event and its metadata, if it belongs to `room_id`.
pub fn event_in_room(
    services: &Services,
    room_id: &RoomId,
    event_id: &str,
) -> Result<Option<(Arc<Pdu>, EventMetaRecord)>> {
    let (Some(pdu), Some(meta)) = (services.pdu(event_id)?, services.event_meta(event_id)?) else {
        return Ok(None);
    };
    Ok((pdu.room_id == room_id).then_some((pdu, meta)))
}

/// Every event reachable from `starts` through `auth_events` (the starts
/// themselves only when another start reaches them), deduplicated. The
/// room's create event belongs to the chain of every other event: from
/// room version 12 on it is implied rather than listed in `auth_events`.
pub fn auth_chain<'a>(
    services: &Services,
    starts: impl IntoIterator<Item = &'a Pdu>,
) -> Result<Vec<Arc<Pdu>>> {
    let mut seen = HashSet::new();
    let mut queue: Vec<String> = Vec::new();
    for pdu in starts {
        queue.extend(pdu.auth_events.iter().map(ToString::to_string));
        if pdu.kind.to_string() != "m.room.create" {
            if let Some(create) = services.current_state_event(&pdu.room_id, "m.room.create", "")? {
                queue.push(create.event_id.to_string());
            }
        }
    }
    let mut chain = Vec::new();
    while let Some(id) = queue.pop() {
        if seen.len() >= MAX_VISITED {
            break;
        }
        if !seen.insert(id.clone()) {
            continue;
        }
        if let Some(pdu) = services.pdu(&id)? {
            queue.extend(pdu.auth_events.iter().map(ToString::to_string));
            chain.push(pdu);
        }
    }
    Ok(chain)
}

/// `/backfill`: the events `from` and those before them through
/// `prev_events`, highest depth first, that `server` may see, at most `limit`.
pub fn backfill(
    services: &Services,
    server: &ServerName,
    room_id: &RoomId,
    from: &[String],
    limit: usize,
) -> Result<Vec<(Arc<Pdu>, EventMetaRecord)>> {
    walk_back(services, server, room_id, from, limit, &HashSet::new(), 0)
}

/// `/get_missing_events`: the events before `latest` (not `latest`
/// themselves) down to `earliest`, not below `min_depth`, oldest first.
pub fn missing_events(
    services: &Services,
    server: &ServerName,
    room_id: &RoomId,
    request: &MissingEvents,
) -> Result<Vec<(Arc<Pdu>, EventMetaRecord)>> {
    let mut stop: HashSet<String> = request.earliest_events.iter().cloned().collect();
    stop.extend(request.latest_events.iter().cloned());
    let mut starts = Vec::new();
    for id in &request.latest_events {
        if let Some((pdu, _)) = event_in_room(services, room_id, id)? {
            starts.extend(pdu.prev_events.iter().map(ToString::to_string));
        }
    }
    starts.retain(|id| !stop.contains(id));
    let limit = request.limit.min(MAX_LIMIT);
    let mut events = walk_back(
        services,
        server,
        room_id,
        &starts,
        limit,
        &stop,
        request.min_depth,
    )?;
    events.reverse();
    Ok(events)
}

/// The body of `/get_missing_events`.
#[derive(Debug, serde::Deserialize)]
pub struct MissingEvents {
    #[serde(default = "default_missing_limit")]
    pub limit: usize,
    #[serde(default)]
    pub min_depth: u64,
    pub earliest_events: Vec<String>,
    pub latest_events: Vec<String>,
}

fn default_missing_limit() -> usize {
    10
}

/// Walks `prev_events` from `starts` by descending depth, skipping `stop`
/// and events below `min_depth`; keeps what `server` may see.
fn walk_back(
    services: &Services,
    server: &ServerName,
    room_id: &RoomId,
    starts: &[String],
    limit: usize,
    stop: &HashSet<String>,
    min_depth: u64,
) -> Result<Vec<(Arc<Pdu>, EventMetaRecord)>> {
    let mut heap = BinaryHeap::new();
    let mut seen: HashSet<String> = HashSet::new();
    let push = |heap: &mut BinaryHeap<(u64, String)>, id: &str| -> Result<()> {
        if let Some((pdu, _)) = event_in_room(services, room_id, id)? {
            heap.push((pdu.depth, id.to_owned()));
        }
        Ok(())
    };
    for id in starts {
        push(&mut heap, id)?;
    }
    let mut out = Vec::new();
    while let Some((depth, id)) = heap.pop() {
        if out.len() >= limit || seen.len() >= MAX_VISITED {
            break;
        }
        if depth < min_depth || stop.contains(&id) || !seen.insert(id.clone()) {
            continue;
        }
        let Some((pdu, meta)) = event_in_room(services, room_id, &id)? else {
            continue;
        };
        for prev in &pdu.prev_events {
            if !seen.contains(prev.as_str()) {
                push(&mut heap, prev.as_str())?;
            }
        }
        if !meta.rejected && services.server_can_see_event_with(server, &pdu, &meta)? {
            out.push((pdu, meta));
        }
    }
    Ok(out)
}
