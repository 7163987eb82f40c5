//! Asking another server for events: one event, the state at an event,
//! an event's auth chain, and the events missing between our forward
//! extremities and a new event. Answers are raw JSON; the caller verifies.

use http::Method;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use ruma::{CanonicalJsonObject, EventId, RoomId};
use serde_json::{json, Value};

use super::PduRejection;
use crate::Federation;

/// Everything but the unreserved characters of RFC 3986.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path segment or query value.
pub fn encode(segment: &str) -> String {
    utf8_percent_encode(segment, SEGMENT).to_string()
}

/// Events the peer lists under `key`, as JSON objects; malformed entries are dropped.
pub fn objects(value: &Value, key: &str) -> Vec<CanonicalJsonObject> {
    value
        .get(key)
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|v| serde_json::from_value(v.clone()).ok())
                .collect()
        })
        .unwrap_or_default()
}

fn unreachable(server: &str, e: impl std::fmt::Display) -> PduRejection {
    PduRejection::Unavailable(format!("{server}: {e}"))
}

/// `GET /event/{eventId}`.
pub async fn event(
    federation: &Federation,
    server: &str,
    event_id: &EventId,
) -> Result<CanonicalJsonObject, PduRejection> {
    let path = format!("/_matrix/federation/v1/event/{}", encode(event_id.as_str()));
    let answer = federation
        .client
        .send(server, Method::GET, &path, None)
        .await
        .map_err(|e| unreachable(server, e))?;
    objects(&answer, "pdus")
        .into_iter()
        .next()
        .ok_or_else(|| unreachable(server, "no event in the answer"))
}

/// `GET /state/{roomId}?event_id=`: (state before the event, its auth chain).
pub async fn state(
    federation: &Federation,
    server: &str,
    room_id: &RoomId,
    event_id: &EventId,
) -> Result<(Vec<CanonicalJsonObject>, Vec<CanonicalJsonObject>), PduRejection> {
    let path = format!(
        "/_matrix/federation/v1/state/{}?event_id={}",
        encode(room_id.as_str()),
        encode(event_id.as_str())
    );
    let answer = federation
        .client
        .send(server, Method::GET, &path, None)
        .await
        .map_err(|e| unreachable(server, e))?;
    Ok((objects(&answer, "pdus"), objects(&answer, "auth_chain")))
}

/// `GET /event_auth/{roomId}/{eventId}`: the event's full auth chain.
pub async fn event_auth(
    federation: &Federation,
    server: &str,
    room_id: &RoomId,
    event_id: &EventId,
) -> Result<Vec<CanonicalJsonObject>, PduRejection> {
    let path = format!(
        "/_matrix/federation/v1/event_auth/{}/{}",
        encode(room_id.as_str()),
        encode(event_id.as_str())
    );
    let answer = federation
        .client
        .send(server, Method::GET, &path, None)
        .await
        .map_err(|e| unreachable(server, e))?;
    Ok(objects(&answer, "auth_chain"))
}

/// `POST /get_missing_events/{roomId}`: up to `limit` events between
/// `earliest` (exclusive) and `latest`, newest first as the peer sends them.
pub async fn missing_events(
    federation: &Federation,
    server: &str,
    room_id: &RoomId,
    earliest: &[String],
    latest: &[&EventId],
    limit: usize,
) -> Result<Vec<CanonicalJsonObject>, PduRejection> {
    let path = format!(
        "/_matrix/federation/v1/get_missing_events/{}",
        encode(room_id.as_str())
    );
    let body = json!({
        "earliest_events": earliest,
        "latest_events": latest,
        "limit": limit,
        "min_depth": 0,
    });
    let answer = federation
        .client
        .send(server, Method::POST, &path, Some(&body))
        .await
        .map_err(|e| unreachable(server, e))?;
    Ok(objects(&answer, "events"))
}
