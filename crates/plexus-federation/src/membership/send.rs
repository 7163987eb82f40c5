//! `PUT /send_join`, `/send_leave`, `/send_knock` (v1 answers `[200, body]`,
//! v2 the body): the other server's signed membership event is checked like
//! any PDU, appended, and forwarded to the room's other servers. A join is
//! answered with the state before it and the auth chain — without membership
//! events when the joiner asks (`omit_members`, for partial-state joins).

use std::sync::Arc;

use axum::{
    extract::{Path, Query, State},
    Json,
};
use plexus_core::Pdu;
use ruma::{CanonicalJsonObject, OwnedEventId, OwnedRoomId};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{object_of, pdus_json};
use crate::{
    error::Result,
    pdu::{room_rules, verify_pdu},
    Federation, FederationAuth, FederationError,
};

type Params = Path<(OwnedRoomId, OwnedEventId)>;

/// `send_join` v2's query.
#[derive(Debug, Default, Deserialize)]
pub struct SendJoinQuery {
    /// The joiner accepts state without membership events (spec 1.6).
    #[serde(default)]
    omit_members: bool,
}

pub async fn send_join_v2(
    State(federation): State<Arc<Federation>>,
    Path((room_id, event_id)): Params,
    Query(query): Query<SendJoinQuery>,
    auth: FederationAuth,
) -> Result<Json<Value>> {
    let answer = send_join(&federation, &room_id, &event_id, &auth, query.omit_members).await?;
    Ok(Json(answer))
}

pub async fn send_join_v1(
    State(federation): State<Arc<Federation>>,
    Path((room_id, event_id)): Params,
    auth: FederationAuth,
) -> Result<Json<Value>> {
    let answer = send_join(&federation, &room_id, &event_id, &auth, false).await?;
    Ok(Json(json!([200, answer])))
}

pub async fn send_leave_v2(
    State(federation): State<Arc<Federation>>,
    Path((room_id, event_id)): Params,
    auth: FederationAuth,
) -> Result<Json<Value>> {
    accept_membership(&federation, &room_id, &event_id, &auth, "leave").await?;
    Ok(Json(json!({})))
}

pub async fn send_leave_v1(
    State(federation): State<Arc<Federation>>,
    Path((room_id, event_id)): Params,
    auth: FederationAuth,
) -> Result<Json<Value>> {
    accept_membership(&federation, &room_id, &event_id, &auth, "leave").await?;
    Ok(Json(json!([200, {}])))
}

pub async fn send_knock(
    State(federation): State<Arc<Federation>>,
    Path((room_id, event_id)): Params,
    auth: FederationAuth,
) -> Result<Json<Value>> {
    let knock = accept_membership(&federation, &room_id, &event_id, &auth, "knock").await?;
    // The same state an invite carries, as full PDUs (spec 1.16).
    let room_state = federation.services.invite_room_state(&room_id, &knock)?;
    Ok(Json(json!({ "knock_room_state": room_state })))
}

async fn send_join(
    federation: &Federation,
    room_id: &OwnedRoomId,
    event_id: &OwnedEventId,
    auth: &FederationAuth,
    omit_members: bool,
) -> Result<Value> {
    let join = accept_membership(federation, room_id, event_id, auth, "join").await?;
    tracing::debug!(origin = %auth.origin, %room_id, omit_members, "send_join accepted");
    let services = &federation.services;
    let (state, auth_chain) = match omit_members {
        true => {
            services.state_and_auth_chain_without_members(join.event_id.as_str(), &join.sender)?
        }
        false => services.state_and_auth_chain(join.event_id.as_str())?,
    };
    let mut servers: Vec<String> = services
        .remote_servers_in_room(room_id)?
        .iter()
        .map(ToString::to_string)
        .collect();
    servers.push(services.server_name().to_string());
    Ok(json!({
        "origin": services.server_name(),
        "state": pdus_json(&state),
        "auth_chain": pdus_json(&auth_chain),
        "event": pdus_json([&join]).pop(),
        "members_omitted": omit_members,
        "servers_in_room": servers,
    }))
}

/// Checks a membership event sent back after `make_*` and appends it.
async fn accept_membership(
    federation: &Federation,
    room_id: &OwnedRoomId,
    event_id: &OwnedEventId,
    auth: &FederationAuth,
    membership: &str,
) -> Result<Arc<Pdu>> {
    let services = &federation.services;
    crate::acl::check_server_acl(services, room_id, &auth.origin)?;
    let rules = room_rules(federation, room_id)?;
    let body = auth.content.clone().unwrap_or(Value::Null);
    let object = authorise_restricted_join(federation, object_of(&body)?, &rules)?;
    let pdu = verify_pdu(federation, object, &rules).await?;
    check_shape(&pdu, room_id, event_id, auth, membership)?;
    let state_before = services
        .state_before_from_prev(&pdu)?
        .ok_or_else(|| FederationError::BadJson("prev_events unknown to this server".into()))?;
    services
        .check_event_auth(&pdu, state_before, &rules)
        .map_err(|e| FederationError::Forbidden(e.to_string()))?;
    let current = services.room_record(room_id)?.map_or(0, |r| r.state_group);
    let soft_failed = services.check_event_auth(&pdu, current, &rules).is_err();
    if soft_failed {
        return Err(FederationError::Forbidden(
            "the membership is not allowed by the room's current state".into(),
        ));
    }
    Ok(services
        .persist_remote_event(pdu, state_before, false, true)
        .await?)
}

/// The event is the requesting server's user's own membership of this room.
fn check_shape(
    pdu: &Pdu,
    room_id: &OwnedRoomId,
    event_id: &OwnedEventId,
    auth: &FederationAuth,
    membership: &str,
) -> Result<()> {
    let fail = |why: &str| Err(FederationError::BadJson(why.to_owned()));
    if &pdu.event_id != event_id {
        return fail("the event ID does not match the event");
    }
    if &pdu.room_id != room_id {
        return fail("the event is for another room");
    }
    if pdu.kind.to_string() != "m.room.member"
        || pdu.state_key.as_deref() != Some(pdu.sender.as_str())
    {
        return fail("not the sender's own membership event");
    }
    if pdu.content_str("membership").as_deref() != Some(membership) {
        return fail("wrong membership");
    }
    if pdu.sender.server_name() != auth.origin {
        return Err(FederationError::Forbidden(
            "the sender does not belong to the requesting server".into(),
        ));
    }
    Ok(())
}

/// A restricted join names one of our users as authoriser: we add our
/// signature (before verifying, which requires it), as the auth rules do.
fn authorise_restricted_join(
    federation: &Federation,
    object: CanonicalJsonObject,
    rules: &ruma::room_version_rules::RoomVersionRules,
) -> Result<CanonicalJsonObject> {
    let services = &federation.services;
    let Ok(pdu) = Pdu::from_federation(object.clone(), rules) else {
        return Ok(object);
    };
    let ours = pdu
        .content_str("join_authorised_via_users_server")
        .and_then(|user| ruma::UserId::parse(user).ok())
        .is_some_and(|user| services.is_local_server(user.server_name()));
    if !ours || pdu.content_str("membership").as_deref() != Some("join") {
        return Ok(object);
    }
    let signed = services
        .key
        .countersign(&pdu, rules)
        .map_err(|e| FederationError::BadJson(e.to_string()))?;
    Ok(signed.json)
}
