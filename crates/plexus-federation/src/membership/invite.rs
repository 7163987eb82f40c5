//! `PUT /_matrix/federation/v2/invite/{roomId}/{eventId}`: another server
//! invites one of our users. We check the event, countersign it and keep it
//! with the stripped room state, so the user sees the invite in `/sync`
//! before this server is in the room.

use std::sync::Arc;

use axum::{
    extract::{Path, State},
    Json,
};
use plexus_core::Pdu;
use plexus_service::events::{rules_for, RemoteInvite};
use ruma::{OwnedEventId, OwnedRoomId};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{object_of, pdus_json, SUPPORTED_VERSIONS};
use crate::{error::Result, pdu::verify_pdu, Federation, FederationAuth, FederationError};

#[derive(Deserialize)]
struct InviteBody {
    event: Value,
    room_version: String,
    #[serde(default)]
    invite_room_state: Vec<Value>,
}

pub async fn invite_v2(
    State(federation): State<Arc<Federation>>,
    Path((room_id, event_id)): Path<(OwnedRoomId, OwnedEventId)>,
    auth: FederationAuth,
) -> Result<Json<Value>> {
    let body: InviteBody = auth.body()?;
    if !SUPPORTED_VERSIONS.contains(&body.room_version.as_str()) {
        return Err(FederationError::IncompatibleRoomVersion(body.room_version));
    }
    let rules = rules_for(&body.room_version)?;
    let services = &federation.services;
    if services.room_exists(&room_id)? {
        crate::acl::check_server_acl(services, &room_id, &auth.origin)?;
    }
    let pdu = verify_pdu(&federation, object_of(&body.event)?, &rules).await?;
    check_invite(&federation, &pdu, &room_id, &event_id, &auth)?;
    let signed = services
        .key
        .countersign(&pdu, &rules)
        .map_err(|e| FederationError::BadJson(e.to_string()))?;
    let answer = pdus_json([&Arc::new(signed.clone())]).pop();
    services.store_remote_invite(RemoteInvite {
        pdu: signed,
        invite_room_state: super::stripped(body.invite_room_state),
    })?;
    Ok(Json(json!({ "event": answer })))
}

/// An invite from the requesting server's user to an existing local user.
fn check_invite(
    federation: &Federation,
    pdu: &Pdu,
    room_id: &OwnedRoomId,
    event_id: &OwnedEventId,
    auth: &FederationAuth,
) -> Result<()> {
    let bad = |why: &str| Err(FederationError::BadJson(why.to_owned()));
    if &pdu.event_id != event_id || &pdu.room_id != room_id {
        return bad("the event does not match the path");
    }
    if pdu.kind.to_string() != "m.room.member"
        || pdu.content_str("membership").as_deref() != Some("invite")
    {
        return bad("not an invite");
    }
    if pdu.sender.server_name() != auth.origin {
        return Err(FederationError::Forbidden(
            "the inviter does not belong to the requesting server".into(),
        ));
    }
    let invitee = pdu
        .state_key
        .as_deref()
        .and_then(|key| ruma::UserId::parse(key).ok())
        .ok_or_else(|| FederationError::BadJson("state_key is not a user ID".into()))?;
    let services = &federation.services;
    if !services.is_local_server(invitee.server_name()) || !services.user_exists(&invitee)? {
        return Err(FederationError::NotFound(
            "no such user on this server".into(),
        ));
    }
    Ok(())
}
