//! `GET /_matrix/client/v3/rooms/{roomId}/context/{eventId}`.

use plexus_service::{filters::EventFilter, sync::make_token, timeline::Viewer};
use ruma::api::client::context::get_context::v3 as endpoint;

use crate::{
    json::{to_raw, to_raw_vec},
    AppState, Result, Ruma,
};

/// The most events either side a client may ask for in total.
const MAX_LIMIT: usize = 1000;

pub async fn context(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    let body = &request.body;
    // ruma's filter and ours share the spec's JSON shape; an unusable filter filters nothing.
    let filter: EventFilter = serde_json::to_value(&body.filter)
        .ok()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    let limit = usize::try_from(u64::from(body.limit))
        .unwrap_or(MAX_LIMIT)
        .min(MAX_LIMIT);
    let viewer = Viewer {
        user: &user.user_id,
        device: Some(&user.device_id),
    };
    let context = state.context(
        viewer,
        &body.room_id,
        body.event_id.as_str(),
        limit,
        &filter,
    )?;
    let mut response = endpoint::Response::new();
    response.event = Some(to_raw(&context.event)?);
    response.events_before = to_raw_vec(&context.events_before)?;
    response.events_after = to_raw_vec(&context.events_after)?;
    response.state = to_raw_vec(&context.state)?;
    response.start = Some(make_token(context.start));
    response.end = Some(make_token(context.end));
    Ok(response)
}
