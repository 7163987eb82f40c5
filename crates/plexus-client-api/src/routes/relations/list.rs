//! `GET /_matrix/client/v1/rooms/{roomId}/relations/{eventId}[/{relType}[/{eventType}]]`.

use plexus_service::{
    relations::{RelationsPage, RelationsQuery},
    sync::{make_token, parse_token},
    timeline::Viewer,
    Direction,
};
use ruma::{
    api::client::relations::{
        get_relating_events::v1 as plain, get_relating_events_with_rel_type::v1 as with_rel,
        get_relating_events_with_rel_type_and_event_type::v1 as with_type,
    },
    events::AnyMessageLikeEvent,
    serde::Raw,
    EventId, RoomId, UInt,
};

use crate::{json::to_raw_vec, AppState, Error, Result, Ruma};

const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 1000;

/// The paging parameters every variant shares.
struct Paging<'a> {
    from: Option<&'a str>,
    to: Option<&'a str>,
    dir: ruma::api::Direction,
    limit: Option<UInt>,
    recurse: bool,
}

fn token(value: Option<&str>, name: &str) -> Result<Option<u64>> {
    value
        .map(|t| parse_token(t).ok_or_else(|| Error::invalid(format!("invalid {name} token"))))
        .transpose()
}

fn query(
    paging: Paging<'_>,
    rel_type: Option<String>,
    event_type: Option<String>,
) -> Result<RelationsQuery> {
    let forward = paging.dir == ruma::api::Direction::Forward;
    let limit = paging
        .limit
        .map_or(DEFAULT_LIMIT, |l| {
            usize::try_from(u64::from(l)).unwrap_or(MAX_LIMIT)
        })
        .clamp(1, MAX_LIMIT);
    Ok(RelationsQuery {
        rel_type,
        event_type,
        from: token(paging.from, "from")?,
        to: token(paging.to, "to")?,
        direction: if forward {
            Direction::Forward
        } else {
            Direction::Backward
        },
        limit,
        recurse: paging.recurse,
    })
}

/// What every variant answers: (chunk, next_batch, recursion_depth).
type Answer = (Vec<Raw<AnyMessageLikeEvent>>, Option<String>, Option<UInt>);

/// Runs the query for the caller.
fn run(
    state: &AppState,
    requester: &plexus_service::users::Requester,
    room_id: &RoomId,
    event_id: &EventId,
    query: RelationsQuery,
) -> Result<Answer> {
    let viewer = Viewer {
        user: &requester.user_id,
        device: Some(&requester.device_id),
    };
    let RelationsPage {
        chunk,
        next_batch,
        recursion_depth,
    } = state.relations(viewer, room_id, event_id.as_str(), &query)?;
    let depth = recursion_depth.and_then(|d| UInt::try_from(d as u64).ok());
    Ok((to_raw_vec(&chunk)?, next_batch.map(make_token), depth))
}

pub async fn relating_events(
    state: AppState,
    request: Ruma<plain::Request>,
) -> Result<plain::Response> {
    let body = &request.body;
    let paging = Paging {
        from: body.from.as_deref(),
        to: body.to.as_deref(),
        dir: body.dir,
        limit: body.limit,
        recurse: body.recurse,
    };
    let (chunk, next_batch, depth) = run(
        &state,
        request.user()?,
        &body.room_id,
        &body.event_id,
        query(paging, None, None)?,
    )?;
    let mut response = plain::Response::new(chunk);
    response.next_batch = next_batch;
    response.prev_batch = body.from.clone();
    response.recursion_depth = depth;
    Ok(response)
}

pub async fn relating_events_with_rel_type(
    state: AppState,
    request: Ruma<with_rel::Request>,
) -> Result<with_rel::Response> {
    let body = &request.body;
    let paging = Paging {
        from: body.from.as_deref(),
        to: body.to.as_deref(),
        dir: body.dir,
        limit: body.limit,
        recurse: body.recurse,
    };
    let query = query(paging, Some(body.rel_type.to_string()), None)?;
    let (chunk, next_batch, depth) = run(
        &state,
        request.user()?,
        &body.room_id,
        &body.event_id,
        query,
    )?;
    let mut response = with_rel::Response::new(chunk);
    response.next_batch = next_batch;
    response.prev_batch = body.from.clone();
    response.recursion_depth = depth;
    Ok(response)
}

pub async fn relating_events_with_rel_type_and_event_type(
    state: AppState,
    request: Ruma<with_type::Request>,
) -> Result<with_type::Response> {
    let body = &request.body;
    let paging = Paging {
        from: body.from.as_deref(),
        to: body.to.as_deref(),
        dir: body.dir,
        limit: body.limit,
        recurse: body.recurse,
    };
    let query = query(
        paging,
        Some(body.rel_type.to_string()),
        Some(body.event_type.to_string()),
    )?;
    let (chunk, next_batch, depth) = run(
        &state,
        request.user()?,
        &body.room_id,
        &body.event_id,
        query,
    )?;
    let mut response = with_type::Response::new(chunk);
    response.next_batch = next_batch;
    response.prev_batch = body.from.clone();
    response.recursion_depth = depth;
    Ok(response)
}
