//! `GET` and `POST /_matrix/federation/v1/publicRooms`: this server's
//! published rooms for another server, paged by an offset token (`o<n>`, the
//! same form as the client API's) over rooms ordered by member count;
//! `POST` also filters by `generic_search_term` and `room_types`.

use std::sync::Arc;

use axum::{
    extract::{Query, State},
    Json,
};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::{error::Result, Federation, FederationAuth, FederationError};

/// Rooms per page when the request does not say.
const DEFAULT_LIMIT: usize = 100;

/// Paging and filters of both variants.
#[derive(Debug, Default, Deserialize)]
pub struct PublicRoomsRequest {
    limit: Option<usize>,
    since: Option<String>,
    #[serde(default)]
    filter: Filter,
}

#[derive(Debug, Default, Deserialize)]
struct Filter {
    generic_search_term: Option<String>,
    /// `null` entries stand for rooms without a type.
    room_types: Option<Vec<Option<String>>>,
}

/// The `GET` query (the filter exists only in the `POST` body).
#[derive(Debug, Deserialize)]
pub struct PublicRoomsQuery {
    limit: Option<usize>,
    since: Option<String>,
}

pub async fn get_public_rooms(
    State(federation): State<Arc<Federation>>,
    Query(query): Query<PublicRoomsQuery>,
    _auth: FederationAuth,
) -> Result<Json<Value>> {
    let request = PublicRoomsRequest {
        limit: query.limit,
        since: query.since,
        filter: Filter::default(),
    };
    page(&federation, &request).map(Json)
}

pub async fn post_public_rooms(
    State(federation): State<Arc<Federation>>,
    auth: FederationAuth,
) -> Result<Json<Value>> {
    let request: PublicRoomsRequest = match auth.content {
        Some(_) => auth.body()?,
        None => PublicRoomsRequest::default(),
    };
    page(&federation, &request).map(Json)
}

fn page(federation: &Federation, request: &PublicRoomsRequest) -> Result<Value> {
    let offset = match request.since.as_deref() {
        Some(token) => parse_offset(token)?,
        None => 0,
    };
    let limit = request.limit.unwrap_or(DEFAULT_LIMIT);
    let search_term = request.filter.generic_search_term.as_deref();
    let rooms: Vec<Value> = federation
        .services
        .public_rooms(search_term)?
        .into_iter()
        .map(|room| room.summary)
        .filter(|summary| room_type_matches(summary, request.filter.room_types.as_deref()))
        .collect();
    let total = rooms.len();
    let chunk: Vec<Value> = rooms.into_iter().skip(offset).take(limit).collect();
    let end = offset.saturating_add(chunk.len());
    let mut answer = json!({ "chunk": chunk, "total_room_count_estimate": total });
    if end < total && end > offset {
        answer["next_batch"] = json!(format!("o{end}"));
    }
    if offset > 0 {
        answer["prev_batch"] = json!(format!("o{}", offset.saturating_sub(limit)));
    }
    Ok(answer)
}

fn room_type_matches(summary: &Value, wanted: Option<&[Option<String>]>) -> bool {
    let room_type = summary.get("room_type").and_then(Value::as_str);
    wanted
        .is_none_or(|wanted| wanted.is_empty() || wanted.iter().any(|w| w.as_deref() == room_type))
}

fn parse_offset(token: &str) -> Result<usize> {
    token
        .strip_prefix('o')
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| FederationError::InvalidParam("invalid since token".into()))
}
