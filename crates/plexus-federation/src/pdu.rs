//! Receiving PDUs from other servers: the spec's "Checks performed on
//! receipt of a PDU", in order, each outcome stored so an event is never
//! judged twice:
//!
//! 1–3. format, signatures, content hash ([`verify`]; a hash mismatch keeps
//!      the event redacted);
//! 4.   the auth rules against the event's own auth events (fetched from the
//!      origin when missing) — failing events are stored as rejected;
//! 5.   the auth rules against the state before the event: from its
//!      `prev_events`, after pulling missing ones with `/get_missing_events`
//!      ([`gap`]), or fetched whole from the origin (`/state`) when the gap
//!      is wider;
//! 6.   the auth rules against the room's current state — failing events are
//!      *soft-failed*: kept in the DAG, never shown to clients.

pub mod fetch;
mod gap;
mod outliers;
mod verify;

use std::sync::Arc;

use plexus_core::Pdu;
use plexus_service::{events::rules_for, ServiceError};
use ruma::{
    room_version_rules::RoomVersionRules, CanonicalJsonObject, CanonicalJsonValue, OwnedEventId,
    OwnedRoomId, ServerName,
};

pub use outliers::{check_against_auth_events, ingest_outliers};
pub use verify::verify_pdu;

use crate::Federation;

/// Why a PDU was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum PduRejection {
    #[error("invalid PDU: {0}")]
    Format(String),
    #[error("bad signature: {0}")]
    Signature(String),
    #[error("this server is not in room {0}")]
    UnknownRoom(OwnedRoomId),
    #[error("auth events: {0}")]
    AuthEvents(String),
    #[error("not allowed by the auth rules: {0}")]
    Auth(String),
    #[error("could not fetch what the event needs: {0}")]
    Unavailable(String),
    /// The other server does not know what we asked about.
    #[error("not found: {0}")]
    NotFound(String),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// Runs every check on a PDU `origin` sent and stores it. Returns its ID
/// (also for an event known already).
pub async fn receive_pdu(
    federation: &Federation,
    origin: &ServerName,
    json: CanonicalJsonObject,
) -> Result<OwnedEventId, (Option<OwnedEventId>, PduRejection)> {
    let room_id = room_id_of(&json).map_err(|e| (None, e))?;
    let rules = room_rules(federation, &room_id).map_err(|e| (None, e))?;
    let pdu = verify_pdu(federation, json, &rules)
        .await
        .map_err(|e| (None, e))?;
    let id = pdu.event_id.clone();
    if let Err(e) = crate::acl::check_server_acl(&federation.services, &room_id, origin) {
        return Err((Some(id), PduRejection::Auth(e.to_string())));
    }
    match accept(federation, origin, pdu, &rules, true).await {
        Ok(()) => Ok(id),
        Err(e) => Err((Some(id), e)),
    }
}

/// The version rules of a room this server is in.
pub fn room_rules(
    federation: &Federation,
    room_id: &ruma::RoomId,
) -> Result<RoomVersionRules, PduRejection> {
    let room = federation
        .services
        .room_record(room_id)?
        .ok_or_else(|| PduRejection::UnknownRoom(room_id.to_owned()))?;
    Ok(rules_for(&room.version)?)
}

fn room_id_of(json: &CanonicalJsonObject) -> Result<OwnedRoomId, PduRejection> {
    match json.get("room_id") {
        Some(CanonicalJsonValue::String(id)) => OwnedRoomId::try_from(id.as_str())
            .map_err(|e| PduRejection::Format(format!("room_id: {e}"))),
        _ => Err(PduRejection::Format("room_id is missing".into())),
    }
}

/// Steps 4–6 for a verified PDU, then storage.
async fn accept(
    federation: &Federation,
    origin: &ServerName,
    pdu: Pdu,
    rules: &RoomVersionRules,
    fill_gaps: bool,
) -> Result<(), PduRejection> {
    let services = &federation.services;
    if let Some(meta) = services.event_meta(pdu.event_id.as_str())? {
        if meta.rejected {
            return Err(PduRejection::Auth("the event was rejected before".into()));
        }
        if meta.stream != 0 || meta.soft_failed {
            return Ok(());
        }
    }
    outliers::check_against_auth_events(federation, origin, &pdu, rules).await?;
    let state_before = state_before(federation, origin, &pdu, rules, fill_gaps).await?;
    if let Err(e) = services.check_event_auth(&pdu, state_before, rules) {
        services.store_outliers(&[(pdu, true)])?;
        return Err(PduRejection::Auth(e.to_string()));
    }
    let current = services
        .room_record(&pdu.room_id)?
        .map_or(0, |room| room.state_group);
    let soft_failed = services.check_event_auth(&pdu, current, rules).is_err();
    if soft_failed {
        tracing::info!(event_id = %pdu.event_id, "soft-failed against the current state");
    }
    services
        .persist_remote_event(pdu, state_before, soft_failed, false)
        .await?;
    Ok(())
}

/// Step 5's state: from the `prev_events` when all are known; else pull the
/// missing ones (once); else ask the origin for the state at the event.
async fn state_before(
    federation: &Federation,
    origin: &ServerName,
    pdu: &Pdu,
    rules: &RoomVersionRules,
    fill_gaps: bool,
) -> Result<u64, PduRejection> {
    let services = &federation.services;
    if let Some(group) = services.state_before_from_prev(pdu)? {
        return Ok(group);
    }
    if fill_gaps {
        gap::fill_gap(federation, origin, pdu, rules).await;
        if let Some(group) = services.state_before_from_prev(pdu)? {
            return Ok(group);
        }
    }
    let (state, auth_chain) =
        fetch::state(federation, origin.as_str(), &pdu.room_id, &pdu.event_id).await?;
    let mut events = auth_chain;
    events.extend(state.iter().cloned());
    let stored = ingest_outliers(federation, origin, rules, events).await?;
    let state = crate::membership::join::state_of(&stored, &state, rules);
    Ok(services.state_group_for_events(&state)?)
}

/// The room's create event in room version 12, where auth events omit it.
pub(crate) fn implied_create_event(
    federation: &Federation,
    pdu: &Pdu,
    rules: &RoomVersionRules,
) -> Result<Option<Arc<Pdu>>, PduRejection> {
    if !rules.authorization.room_create_event_id_as_room_id {
        return Ok(None);
    }
    let create_id = format!("${}", pdu.room_id.as_str().trim_start_matches('!'));
    Ok(federation.services.pdu(&create_id)?)
}

#[cfg(test)]
mod tests;
