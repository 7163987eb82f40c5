//! `GET /_matrix/client/v3/rooms/{roomId}/members`: member events, now or
//! at a `/sync` or `/messages` token, filtered by membership.

use plexus_service::{sync::parse_token, timeline::Viewer};
use ruma::api::client::membership::get_member_events::v3 as endpoint;

use crate::{json::to_raw, AppState, Error, Result, Ruma};

pub async fn members(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    let body = &request.body;
    let at = match &body.at {
        Some(token) => Some(parse_token(token).ok_or_else(|| Error::invalid("invalid at token"))?),
        None => None,
    };
    let membership = body.membership.as_ref().map(|m| m.as_str());
    let not_membership = body.not_membership.as_ref().map(|m| m.as_str());
    let events =
        state.member_events(&body.room_id, &user.user_id, at, membership, not_membership)?;
    let viewer = Viewer {
        user: &user.user_id,
        device: Some(&user.device_id),
    };
    let mut chunk = Vec::with_capacity(events.len());
    for pdu in events {
        let rendered = match state.event_meta(pdu.event_id.as_str())? {
            Some(meta) => state.render_event(&pdu, &meta, viewer, true)?,
            None => pdu.to_client_event(true, None),
        };
        chunk.push(to_raw(&rendered)?);
    }
    Ok(endpoint::Response::new(chunk))
}
