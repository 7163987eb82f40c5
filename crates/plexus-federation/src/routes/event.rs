//! `GET /_matrix/federation/v1/event/{eventId}` (one PDU) and
//! `GET /_matrix/federation/v1/event_auth/{roomId}/{eventId}` (its auth
//! chain), for servers allowed to see the event.

use std::sync::Arc;

use axum::{
    extract::{Path, State},
    Json,
};
use plexus_core::time::now_millis;
use serde_json::{json, Value};

use crate::{
    acl::{check_server_acl, readable_room},
    error::Result,
    history::{auth_chain, event_in_room, federation_json},
    Federation, FederationAuth, FederationError,
};

pub async fn event(
    State(federation): State<Arc<Federation>>,
    Path(event_id): Path<String>,
    auth: FederationAuth,
) -> Result<Json<Value>> {
    let services = &federation.services;
    let (Some(pdu), Some(meta)) = (services.pdu(&event_id)?, services.event_meta(&event_id)?)
    else {
        return Err(FederationError::NotFound("unknown event".into()));
    };
    check_server_acl(services, &pdu.room_id, &auth.origin)?;
    if !services.server_can_see_event_with(&auth.origin, &pdu, &meta)? {
        return Err(FederationError::Forbidden(
            "your server may not see this event".into(),
        ));
    }
    Ok(Json(json!({
        "origin": services.server_name(),
        "origin_server_ts": now_millis(),
        "pdus": [federation_json(services, &pdu, &meta)?],
    })))
}

pub async fn event_auth(
    State(federation): State<Arc<Federation>>,
    Path((room_id, event_id)): Path<(String, String)>,
    auth: FederationAuth,
) -> Result<Json<Value>> {
    let services = &federation.services;
    let room_id = readable_room(services, &room_id, &auth.origin)?;
    let Some((pdu, meta)) = event_in_room(services, &room_id, &event_id)? else {
        return Err(FederationError::NotFound("unknown event".into()));
    };
    if !services.server_can_see_event_with(&auth.origin, &pdu, &meta)? {
        return Err(FederationError::Forbidden(
            "your server may not see this event".into(),
        ));
    }
    let chain = auth_chain(services, [&*pdu])?;
    Ok(Json(json!({ "auth_chain": pdus_json(services, &chain)? })))
}

/// Events in federation form; those without metadata (never stored whole) are left out.
pub fn pdus_json(
    services: &plexus_service::Services,
    pdus: &[Arc<plexus_core::Pdu>],
) -> Result<Vec<Value>> {
    let mut out = Vec::with_capacity(pdus.len());
    for pdu in pdus {
        if let Some(meta) = services.event_meta(pdu.event_id.as_str())? {
            out.push(federation_json(services, pdu, &meta)?);
        }
    }
    Ok(out)
}
