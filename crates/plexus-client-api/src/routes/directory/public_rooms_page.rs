//! The paging shared by `GET` and `POST /publicRooms`: the `since` token is
//! an offset into the matching rooms, ordered by member count.

use ruma::{
    directory::{PublicRoomsChunk, RoomTypeFilter},
    ServerName, UInt,
};

use crate::{AppState, Error, Result};

/// Rooms per page when the client does not say.
const DEFAULT_LIMIT: usize = 100;

/// What both `/publicRooms` variants answer.
pub struct PublicRoomsPage {
    pub chunk: Vec<PublicRoomsChunk>,
    pub next_batch: Option<String>,
    pub prev_batch: Option<String>,
    pub total_room_count_estimate: Option<UInt>,
}

/// A query of the local public room list.
pub struct PublicRoomsQuery<'a> {
    pub server: Option<&'a ServerName>,
    pub limit: Option<UInt>,
    pub since: Option<&'a str>,
    pub search_term: Option<&'a str>,
    pub room_types: &'a [RoomTypeFilter],
}

/// The public rooms of this server, or of the server the query names
/// (asked over federation).
pub async fn public_rooms_page(
    state: &AppState,
    query: PublicRoomsQuery<'_>,
) -> Result<PublicRoomsPage> {
    match query.server {
        Some(server) if server != state.server_name() => remote_page(state, server, query).await,
        _ => local_page(state, query),
    }
}

async fn remote_page(
    state: &AppState,
    server: &ServerName,
    query: PublicRoomsQuery<'_>,
) -> Result<PublicRoomsPage> {
    let mut body = serde_json::json!({
        "filter": {
            "generic_search_term": query.search_term,
            "room_types": query.room_types,
        },
    });
    if let Some(limit) = query.limit {
        body["limit"] = serde_json::json!(limit);
    }
    if let Some(since) = query.since {
        body["since"] = serde_json::json!(since);
    }
    let answer = state.remote()?.public_rooms(server, body).await?;
    let chunk = answer["chunk"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|room| serde_json::from_value(room.clone()).ok())
        .collect();
    let token = |key: &str| answer[key].as_str().map(str::to_owned);
    Ok(PublicRoomsPage {
        chunk,
        next_batch: token("next_batch"),
        prev_batch: token("prev_batch"),
        total_room_count_estimate: answer["total_room_count_estimate"]
            .as_u64()
            .and_then(|n| UInt::try_from(n).ok()),
    })
}

fn local_page(state: &AppState, query: PublicRoomsQuery<'_>) -> Result<PublicRoomsPage> {
    let offset = match query.since {
        Some(token) => parse_offset(token)?,
        None => 0,
    };
    let limit = query.limit.map_or(DEFAULT_LIMIT, |l| {
        usize::try_from(u64::from(l)).unwrap_or(usize::MAX)
    });
    let rooms: Vec<_> = state
        .public_rooms(query.search_term)?
        .into_iter()
        .filter(|room| room_type_matches(&room.summary, query.room_types))
        .collect();
    let total = rooms.len();
    let chunk = rooms
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|room| serde_json::from_value(room.summary).map_err(|e| Error::BadJson(e.to_string())))
        .collect::<Result<Vec<PublicRoomsChunk>>>()?;
    let end = offset.saturating_add(chunk.len());
    Ok(PublicRoomsPage {
        // An empty page (limit 0) gives no next token, which would not move.
        next_batch: (end < total && end > offset).then(|| make_offset(end)),
        prev_batch: (offset > 0).then(|| make_offset(offset.saturating_sub(limit))),
        total_room_count_estimate: UInt::try_from(total).ok(),
        chunk,
    })
}

/// An empty filter takes every room; `null` in it stands for rooms without a type.
fn room_type_matches(summary: &serde_json::Value, wanted: &[RoomTypeFilter]) -> bool {
    let room_type = summary.get("room_type").and_then(|t| t.as_str());
    wanted.is_empty() || wanted.iter().any(|filter| filter.as_str() == room_type)
}

fn make_offset(offset: usize) -> String {
    format!("o{offset}")
}

fn parse_offset(token: &str) -> Result<usize> {
    token
        .strip_prefix('o')
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| Error::invalid("invalid since token"))
}
