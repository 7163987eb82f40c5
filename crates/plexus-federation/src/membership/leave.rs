//! A local user leaves a room this server is not in — rejecting an invite,
//! rescinding a knock — through `make_leave`/`send_leave` v2 on the server
//! that invited them (or the room's other known servers).

use plexus_service::ServiceError;
use ruma::{OwnedServerName, RoomId, ServerName, UserId};
use serde_json::Value;

use crate::{pdu::PduRejection, Federation};

pub async fn leave_room(
    federation: &Federation,
    room_id: &RoomId,
    user: &UserId,
    content: Value,
) -> Result<(), ServiceError> {
    let mut last_error = String::from("no server to leave through");
    for server in candidates(federation, room_id, user)? {
        match leave_through(federation, &server, room_id, user, content.clone()).await {
            Ok(()) => return Ok(()),
            Err(e) => {
                tracing::info!(%server, %room_id, "leave through this server failed: {e}");
                last_error = format!("{server}: {e}");
            }
        }
    }
    Err(ServiceError::Remote(format!(
        "could not leave the room: {last_error}"
    )))
}

/// The inviter's server first, then the room ID's server (before v12).
fn candidates(
    federation: &Federation,
    room_id: &RoomId,
    user: &UserId,
) -> Result<Vec<OwnedServerName>, ServiceError> {
    let services = &federation.services;
    let mut servers = Vec::new();
    if let Some(membership) = services.user_membership(user, room_id)? {
        if let Some(pdu) = services.pdu(&membership.event_id)? {
            servers.push(pdu.sender.server_name().to_owned());
        }
    }
    if let Some(server) = room_id.server_name() {
        servers.push(server.to_owned());
    }
    servers.retain(|s| !services.is_local_server(s));
    servers.dedup();
    Ok(servers)
}

async fn leave_through(
    federation: &Federation,
    server: &ServerName,
    room_id: &RoomId,
    user: &UserId,
    content: Value,
) -> Result<(), PduRejection> {
    let (leave, _) =
        super::make_membership(federation, server, "leave", room_id, user, content).await?;
    super::send_membership(federation, server, "v2/send_leave", &leave).await?;
    federation
        .services
        .record_outside_membership(user, &leave)?;
    Ok(())
}
