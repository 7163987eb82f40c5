//! A local user knocks on a room held by other servers: `make_knock`, our
//! signed knock through `send_knock`, and the stripped state it answers is
//! kept so the user's `/sync` shows the knock.

use plexus_service::{events::RemoteInvite, ServiceError};
use ruma::{OwnedServerName, RoomId, ServerName, UserId};
use serde_json::Value;

use crate::{pdu::PduRejection, Federation};

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
    let (knock, _) =
        super::make_membership(federation, server, "knock", room_id, user, content).await?;
    let answer = super::send_membership(federation, server, "v1/send_knock", &knock).await?;
    let state = answer["knock_room_state"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    federation.services.store_remote_invite(RemoteInvite {
        pdu: knock,
        invite_room_state: super::stripped(state),
    })?;
    Ok(())
}
