//! A local user joins a room held by other servers: `make_join` on each
//! candidate in turn until one answers, our signed join through
//! `send_join` v2, then the state it answers is verified and stored (auth
//! chain and state as outliers, the join on top). The room is complete
//! from the start: partial-state joins would store the join with the
//! state marked partial and fetch the rest later, without changing this
//! flow.

use plexus_core::Pdu;
use plexus_service::{events::rules_for, ServiceError};
use ruma::{OwnedServerName, RoomId, ServerName, UserId};
use serde_json::Value;

use super::object_of;
use crate::{
    pdu::{fetch::objects, ingest_outliers, verify_pdu, PduRejection},
    Federation,
};

/// Candidate servers tried for one join.
const MAX_CANDIDATES: usize = 8;

pub async fn join_room(
    federation: &Federation,
    room_id: &RoomId,
    user: &UserId,
    via: &[OwnedServerName],
    content: Value,
) -> Result<(), ServiceError> {
    let mut last_error = None;
    for server in via.iter().take(MAX_CANDIDATES) {
        match join_through(federation, server, room_id, user, content.clone()).await {
            Ok(()) => return Ok(()),
            Err(e) => {
                tracing::info!(%server, %room_id, "join through this server failed: {e}");
                last_error = Some(e);
            }
        }
    }
    Err(match last_error {
        // The room's own answer (banned, invite only, unknown room) is the user's answer.
        Some(PduRejection::Auth(why)) => ServiceError::Forbidden(why),
        Some(PduRejection::NotFound(why)) => ServiceError::NotFound(why),
        Some(other) => ServiceError::Remote(format!("could not join the room: {other}")),
        None => ServiceError::not_found("no server to join the room through"),
    })
}

/// A refusal by the remote server keeps its meaning: 403 is the auth rules
/// speaking, 404 an unknown room; anything else means it could not help.
pub(crate) fn refusal(e: crate::ClientError) -> PduRejection {
    match &e {
        crate::ClientError::Status {
            status: 403, body, ..
        } => PduRejection::Auth(
            body["error"]
                .as_str()
                .unwrap_or("refused by the room's server")
                .to_owned(),
        ),
        crate::ClientError::Status {
            status: 404, body, ..
        } => PduRejection::NotFound(body["error"].as_str().unwrap_or("unknown room").to_owned()),
        _ => PduRejection::Unavailable(e.to_string()),
    }
}

async fn join_through(
    federation: &Federation,
    server: &ServerName,
    room_id: &RoomId,
    user: &UserId,
    content: Value,
) -> Result<(), PduRejection> {
    let mut content = content;
    content["membership"] = "join".into();
    let (join, version) =
        super::make_membership(federation, server, "join", room_id, user, content).await?;
    let rules = rules_for(version.as_str())?;
    let services = &federation.services;
    let answer = super::send_membership(federation, server, "v2/send_join", &join).await?;
    // A restricted join comes back countersigned by the authorising server.
    let join = match answer.get("event").filter(|e| e.is_object()) {
        Some(event) => {
            let object = object_of(event).map_err(|e| PduRejection::Format(e.to_string()))?;
            let signed = verify_pdu(federation, object, &rules).await?;
            if signed.event_id != join.event_id {
                return Err(PduRejection::Format(
                    "send_join returned another event".into(),
                ));
            }
            signed
        }
        None => join,
    };
    // One pass in depth order: in v12 the create event is cited by no auth
    // event, so it may come only with the state.
    let mut events = objects(&answer, "auth_chain");
    let state_objects = objects(&answer, "state");
    events.extend(state_objects.iter().cloned());
    let stored = ingest_outliers(federation, server, &rules, events).await?;
    let state = state_of(&stored, &state_objects, &rules);
    let group = services.state_group_for_events(&state)?;
    services
        .check_event_auth(&join, group, &rules)
        .map_err(|e| PduRejection::Auth(e.to_string()))?;
    services.create_remote_room(&version, group, join).await?;
    Ok(())
}

/// The accepted events that the answer listed as state.
pub(crate) fn state_of(
    stored: &[std::sync::Arc<Pdu>],
    state: &[ruma::CanonicalJsonObject],
    rules: &ruma::room_version_rules::RoomVersionRules,
) -> Vec<std::sync::Arc<Pdu>> {
    let ids: std::collections::HashSet<ruma::OwnedEventId> = state
        .iter()
        .filter_map(|json| Pdu::from_federation(json.clone(), rules).ok())
        .map(|pdu| pdu.event_id)
        .collect();
    stored
        .iter()
        .filter(|pdu| pdu.state_key.is_some() && ids.contains(&pdu.event_id))
        .cloned()
        .collect()
}

impl From<PduRejection> for ServiceError {
    fn from(rejection: PduRejection) -> Self {
        match rejection {
            PduRejection::Service(e) => e,
            other => ServiceError::Remote(other.to_string()),
        }
    }
}
