//! `GET /_matrix/client/v1/rooms/{roomId}/threads`: the room's thread roots,
//! most recently active first, with their bundled aggregations.

use plexus_service::{
    relations::ThreadsQuery,
    sync::{make_token, parse_token},
    timeline::Viewer,
};
use ruma::api::client::threads::get_threads::v1::{self as endpoint, IncludeThreads};

use crate::{json::to_raw_vec, AppState, Error, Result, Ruma};

const DEFAULT_LIMIT: u64 = 20;
const MAX_LIMIT: u64 = 100;

pub async fn get_threads(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let requester = request.user()?;
    let body = &request.body;
    let from = body
        .from
        .as_deref()
        .map(|t| parse_token(t).ok_or_else(|| Error::invalid("unknown pagination token")))
        .transpose()?;
    let participated_only = match &body.include {
        IncludeThreads::All => false,
        IncludeThreads::Participated => true,
        other => {
            return Err(Error::invalid(format!(
                "unknown include: {}",
                other.as_str()
            )))
        }
    };
    let limit = body
        .limit
        .map_or(DEFAULT_LIMIT, u64::from)
        .clamp(1, MAX_LIMIT);
    let query = ThreadsQuery {
        participated_only,
        from,
        limit: limit as usize,
    };
    let viewer = Viewer {
        user: &requester.user_id,
        device: Some(&requester.device_id),
    };
    let page = state.threads(viewer, &body.room_id, query)?;
    let mut response = endpoint::Response::new(to_raw_vec(&page.chunk)?);
    response.next_batch = page.next_batch.map(make_token);
    Ok(response)
}
