//! A local user knocks on a room held by other servers: `make_knock`, our
//! signed knock through `send_knock`, and the stripped state it answers is
//! kept so the user's `/sync` shows the knock.

use http::Method;
use plexus_service::{events::rules_for, events::RemoteInvite, ServiceError};
use ruma::{OwnedServerName, RoomId, RoomVersionId, ServerName, UserId};
use serde_json::Value;

use super::{event_from_template, SUPPORTED_VERSIONS};
use crate::{pdu::fetch::encode, pdu::PduRejection, Federation};

pub async fn knock(
    federation: &Federation,
    room_id: &RoomId,
    user: &UserId,
    via: &[OwnedServerName],
    content: Value,
) -> Result<(), ServiceError> {
    let mut last_error = String::from("no server to knock through");
    for server in via.iter().take(8) {
        match knock_through(federation, server, room_id, user, content.clone()).await {
            Ok(()) => return Ok(()),
            Err(e) => {
                tracing::info!(%server, %room_id, "knock through this server failed: {e}");
                last_error = format!("{server}: {e}");
            }
        }
    }
    Err(ServiceError::Remote(format!(
        "could not knock: {last_error}"
    )))
}

async fn knock_through(
    federation: &Federation,
    server: &ServerName,
    room_id: &RoomId,
    user: &UserId,
    content: Value,
) -> Result<(), PduRejection> {
    let unavailable = super::join::refusal;
    let versions: Vec<String> = SUPPORTED_VERSIONS
        .iter()
        .map(|v| format!("ver={v}"))
        .collect();
    let path = format!(
        "/_matrix/federation/v1/make_knock/{}/{}?{}",
        encode(room_id.as_str()),
        encode(user.as_str()),
        versions.join("&")
    );
    let answer = federation
        .client
        .send(server.as_str(), Method::GET, &path, None)
        .await
        .map_err(unavailable)?;
    let version = answer["room_version"].as_str().unwrap_or("1");
    let version = RoomVersionId::try_from(version)
        .map_err(|e| PduRejection::Format(format!("room_version: {e}")))?;
    let rules = rules_for(version.as_str())?;
    let services = &federation.services;
    let knock = event_from_template(
        &answer["event"],
        room_id,
        user,
        content,
        &rules,
        &services.key,
    )?;
    let path = format!(
        "/_matrix/federation/v1/send_knock/{}/{}",
        encode(room_id.as_str()),
        encode(knock.event_id.as_str())
    );
    let body = serde_json::to_value(ruma::CanonicalJsonValue::Object(knock.json.clone()))
        .map_err(|e| PduRejection::Format(e.to_string()))?;
    let answer = federation
        .client
        .send(server.as_str(), Method::PUT, &path, Some(&body))
        .await
        .map_err(unavailable)?;
    let state = answer["knock_room_state"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    services.store_remote_invite(RemoteInvite {
        pdu: knock,
        invite_room_state: super::stripped(state),
    })?;
    Ok(())
}
