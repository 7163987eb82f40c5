//! Events that arrive beside the one being checked — auth chains, the state
//! at a gap or at a join — are verified, checked against their own auth
//! events in depth order, and stored as outliers (rejected ones flagged).

use std::{collections::HashMap, sync::Arc};

use plexus_core::Pdu;
use ruma::{room_version_rules::RoomVersionRules, CanonicalJsonObject, ServerName};

use super::{fetch, implied_create_event, verify_pdu, PduRejection};
use crate::Federation;

/// Step 4: the event passes the auth rules against its own auth events,
/// fetched from `origin` when this server lacks some. A failing event is
/// stored as rejected.
pub async fn check_against_auth_events(
    federation: &Federation,
    origin: &ServerName,
    pdu: &Pdu,
    rules: &RoomVersionRules,
) -> Result<(), PduRejection> {
    let services = &federation.services;
    let known = |pdu: &Pdu| {
        pdu.auth_events
            .iter()
            .all(|id| services.has_event(id).unwrap_or(false))
    };
    if !known(pdu) {
        let chain =
            fetch::event_auth(federation, origin.as_str(), &pdu.room_id, &pdu.event_id).await?;
        ingest_outliers(federation, origin, rules, chain).await?;
        if !known(pdu) {
            return Err(PduRejection::AuthEvents(
                "some auth events could not be fetched".into(),
            ));
        }
    }
    if let Err(why) = auth_against_own_auth_events(federation, pdu, rules) {
        services.store_outliers(&[(pdu.clone(), true)])?;
        return Err(why);
    }
    Ok(())
}

/// The auth rules against the event's cited auth events (all stored).
fn auth_against_own_auth_events(
    federation: &Federation,
    pdu: &Pdu,
    rules: &RoomVersionRules,
) -> Result<(), PduRejection> {
    let services = &federation.services;
    let mut auth_events = Vec::with_capacity(pdu.auth_events.len());
    for id in &pdu.auth_events {
        let meta = services.event_meta(id.as_str())?;
        if meta.is_some_and(|m| m.rejected) {
            return Err(PduRejection::AuthEvents(format!(
                "auth event {id} was rejected"
            )));
        }
        let event = services
            .pdu(id.as_str())?
            .ok_or_else(|| PduRejection::AuthEvents(format!("auth event {id} is unknown")))?;
        auth_events.push(event);
    }
    let create = implied_create_event(federation, pdu, rules)?;
    plexus_state::check_auth_with_auth_events(
        &rules.authorization,
        &Arc::new(pdu.clone()),
        &auth_events,
        create.as_ref(),
    )
    .map_err(|e| PduRejection::Auth(e.to_string()))
}

/// Verifies `events` (dropping those that fail), checks each against its
/// auth events in depth order, stores them as outliers and returns the
/// accepted ones. Events this server holds already are returned as stored.
pub async fn ingest_outliers(
    federation: &Federation,
    origin: &ServerName,
    rules: &RoomVersionRules,
    events: Vec<CanonicalJsonObject>,
) -> Result<Vec<Arc<Pdu>>, PduRejection> {
    let _ = origin;
    let services = &federation.services;
    let mut verified: HashMap<ruma::OwnedEventId, Pdu> = HashMap::new();
    for json in events {
        match verify_pdu(federation, json, rules).await {
            Ok(pdu) => {
                verified.insert(pdu.event_id.clone(), pdu);
            }
            Err(e) => tracing::info!("dropping an event received beside another: {e}"),
        }
    }
    let mut ordered: Vec<Pdu> = verified.into_values().collect();
    ordered.sort_by_key(|pdu| pdu.depth);
    let mut accepted = Vec::with_capacity(ordered.len());
    for pdu in ordered {
        if let Some(meta) = services.event_meta(pdu.event_id.as_str())? {
            if !meta.rejected {
                if let Some(stored) = services.pdu(pdu.event_id.as_str())? {
                    accepted.push(stored);
                }
            }
            continue;
        }
        let verdict = auth_against_own_auth_events(federation, &pdu, rules);
        if let Err(e) = &verdict {
            tracing::info!(event_id = %pdu.event_id, "outlier rejected: {e}");
        }
        let rejected = verdict.is_err();
        services.store_outliers(&[(pdu.clone(), rejected)])?;
        if !rejected {
            accepted.push(Arc::new(pdu));
        }
    }
    Ok(accepted)
}
