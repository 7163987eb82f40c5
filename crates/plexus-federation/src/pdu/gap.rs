//! Closing a gap before a received event: the events between our forward
//! extremities and it are pulled with `/get_missing_events`, round after
//! round from the oldest events still missing a parent, and accepted oldest
//! first. A sender that cut its backlog while we were unreachable sends
//! only a room's newest event, and this server fills history only before a
//! room's first event (`/backfill`), not inside it; so the walk goes
//! further than the spec's default of 10, up to [`MAX_GAP_EVENTS`].
//! Beyond that, or when the walk fails, the state at the event is fetched
//! whole instead and the rest of the gap stays unfilled.

use std::collections::HashSet;

use plexus_core::Pdu;
use ruma::{room_version_rules::RoomVersionRules, EventId, OwnedEventId, ServerName};

use super::{fetch, verify_pdu};
use crate::Federation;

/// Events asked for per `/get_missing_events` round.
const ROUND_LIMIT: usize = 50;
/// Most events pulled to close one gap.
pub(super) const MAX_GAP_EVENTS: usize = 500;
/// Most `/get_missing_events` requests for one gap (a peer answering a
/// few events at a time must not keep us asking).
const MAX_ROUNDS: usize = 20;

/// Pulls the events between our forward extremities and `pdu` and accepts
/// them oldest first. Failures only mean the state is fetched whole instead.
pub(super) async fn fill_gap(
    federation: &Federation,
    origin: &ServerName,
    pdu: &Pdu,
    rules: &RoomVersionRules,
) {
    let mut pulled = pull_gap(federation, origin, pdu, rules).await;
    pulled.sort_by_key(|event| event.depth);
    for event in pulled {
        let id = event.event_id.clone();
        if let Err(e) = Box::pin(super::accept(federation, origin, event, rules, false)).await {
            tracing::info!(event_id = %id, "missing event not accepted: {e}");
        }
    }
}

/// The verified events of the room between our extremities and `pdu`, at
/// most [`MAX_GAP_EVENTS`], in no particular order.
async fn pull_gap(
    federation: &Federation,
    origin: &ServerName,
    pdu: &Pdu,
    rules: &RoomVersionRules,
) -> Vec<Pdu> {
    let earliest: Vec<String> = federation
        .services
        .room_record(&pdu.room_id)
        .ok()
        .flatten()
        .map(|room| room.forward_extremities)
        .unwrap_or_default();
    let mut pulled: Vec<Pdu> = Vec::new();
    let mut seen: HashSet<OwnedEventId> = HashSet::new();
    let mut latest = vec![pdu.event_id.clone()];
    let mut rounds = 0;
    while !latest.is_empty() && pulled.len() < MAX_GAP_EVENTS && rounds < MAX_ROUNDS {
        rounds += 1;
        let latest_refs: Vec<&EventId> = latest.iter().map(|id| id.as_ref()).collect();
        let Ok(batch) = fetch::missing_events(
            federation,
            origin.as_str(),
            &pdu.room_id,
            &earliest,
            &latest_refs,
            ROUND_LIMIT.min(MAX_GAP_EVENTS - pulled.len()),
        )
        .await
        else {
            break;
        };
        let before = pulled.len();
        for json in batch {
            let Ok(event) = verify_pdu(federation, json, rules).await else {
                continue;
            };
            if event.room_id == pdu.room_id && seen.insert(event.event_id.clone()) {
                pulled.push(event);
            }
        }
        if pulled.len() == before {
            break;
        }
        latest = still_missing_parents(federation, &pulled[before..], &seen);
    }
    pulled
}

/// The events of `round` with a parent neither stored here nor pulled:
/// where the next round walks back from.
fn still_missing_parents(
    federation: &Federation,
    round: &[Pdu],
    pulled: &HashSet<OwnedEventId>,
) -> Vec<OwnedEventId> {
    let known = |id: &OwnedEventId| {
        pulled.contains(id)
            || federation
                .services
                .pdu(id.as_str())
                .ok()
                .flatten()
                .is_some()
    };
    round
        .iter()
        .filter(|event| event.prev_events.iter().any(|prev| !known(prev)))
        .map(|event| event.event_id.clone())
        .collect()
}
