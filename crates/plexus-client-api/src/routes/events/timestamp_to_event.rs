//! `GET /_matrix/client/v1/rooms/{roomId}/timestamp_to_event`.

use ruma::{
    api::{client::room::get_event_by_timestamp::v1 as endpoint, Direction},
    EventId, MilliSecondsSinceUnixEpoch, UInt,
};

use plexus_service::ServiceError;

use crate::{AppState, Result, Ruma};

pub async fn timestamp_to_event(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    let body = &request.body;
    let forward = body.dir == Direction::Forward;
    let ts = u64::from(body.ts.get());
    let (event_id, origin_server_ts) =
        state.timestamp_to_event(&user.user_id, &body.room_id, ts, forward)?;
    let event_id = EventId::parse(&event_id).map_err(ServiceError::internal)?;
    let origin_server_ts = UInt::try_from(origin_server_ts).map_err(ServiceError::internal)?;
    Ok(endpoint::Response::new(
        event_id,
        MilliSecondsSinceUnixEpoch(origin_server_ts),
    ))
}
