//! `GET /_matrix/client/v3/rooms/{roomId}/messages`.

use plexus_service::Direction;
use plexus_service::{
    filters::EventFilter,
    sync::parse_token,
    timeline::{PageRequest, Viewer},
};
use ruma::api::client::message::get_message_events::v3 as endpoint;

use crate::{json::to_raw_vec, AppState, Error, Result, Ruma};

const MAX_LIMIT: usize = 1000;

pub async fn messages(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?.clone();
    let body = &request.body;
    let forward = body.dir == ruma::api::Direction::Forward;
    let direction = if forward {
        Direction::Forward
    } else {
        Direction::Backward
    };
    let from = match &body.from {
        Some(token) => parse_token(token).ok_or_else(|| Error::invalid("invalid from token"))?,
        None if forward => 0,
        None => state.stream.current(),
    };
    let to = match &body.to {
        Some(token) => Some(parse_token(token).ok_or_else(|| Error::invalid("invalid to token"))?),
        None => None,
    };
    let filter: EventFilter = serde_json::to_value(&body.filter)
        .ok()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    let limit = usize::try_from(u64::from(body.limit))
        .unwrap_or(MAX_LIMIT)
        .clamp(1, MAX_LIMIT);
    let viewer = Viewer {
        user: &user.user_id,
        device: Some(&user.device_id),
    };
    let request_page = || PageRequest {
        from,
        to,
        direction,
        limit,
    };
    let mut page = state.messages(viewer, &body.room_id, request_page(), &filter)?;
    // Past the earliest event this server holds, ask the room's other
    // servers for older history, then read again.
    if !forward && page.end.is_none() && page.chunk.len() < limit {
        if let Ok(remote) = state.remote() {
            if remote.backfill(&body.room_id, limit).await.unwrap_or(0) > 0 {
                page = state.messages(viewer, &body.room_id, request_page(), &filter)?;
            }
        }
    }
    let mut response = endpoint::Response::new();
    response.start = plexus_service::sync::make_token(page.start);
    response.end = page.end.map(plexus_service::sync::make_token);
    response.chunk = to_raw_vec(&page.chunk)?;
    response.state = to_raw_vec(&page.state)?;
    Ok(response)
}
