//! The ceiling's /sync: initial syncs return each joined room's last `limit` events
//! plus the member events of their senders (lazy loading); incremental syncs return
//! the new events of the user's rooms, long-polling up to `timeout` (at most 30 s).

use super::handlers::{auth, ApiResult};
use super::store::{Ceiling, Data};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// Longest long-poll the ceiling honours.
const MAX_TIMEOUT_MS: u64 = 30_000;
/// Timeline limit when the filter names none.
const DEFAULT_LIMIT: usize = 20;

/// Query parameters of /sync.
#[derive(Deserialize)]
pub struct SyncQuery {
    since: Option<String>,
    timeout: Option<u64>,
    filter: Option<String>,
}

/// GET /sync.
pub async fn sync(
    State(st): State<Arc<Ceiling>>,
    headers: HeaderMap,
    Query(q): Query<SyncQuery>,
) -> ApiResult {
    let user = auth(&st, &headers)?;
    let limit = q
        .filter
        .as_deref()
        .and_then(timeline_limit)
        .unwrap_or(DEFAULT_LIMIT);
    let since = q
        .since
        .as_deref()
        .and_then(|s| s.strip_prefix('s'))
        .and_then(|s| s.parse::<usize>().ok());
    let Some(since) = since else {
        let data = st.data.lock().expect("ceiling lock");
        return Ok(Json(initial(&data, &user, limit)));
    };
    let deadline =
        Instant::now() + Duration::from_millis(q.timeout.unwrap_or(0).min(MAX_TIMEOUT_MS));
    let mut rx = st.stream.subscribe();
    loop {
        rx.borrow_and_update();
        {
            let data = st.data.lock().expect("ceiling lock");
            let (resp, any) = incremental(&data, &user, since, limit);
            if any || Instant::now() >= deadline {
                return Ok(Json(resp));
            }
        }
        if tokio::time::timeout_at(deadline, rx.changed())
            .await
            .is_err()
        {
            let data = st.data.lock().expect("ceiling lock");
            return Ok(Json(incremental(&data, &user, since, limit).0));
        }
    }
}

/// `room.timeline.limit` of an inline JSON filter.
fn timeline_limit(filter: &str) -> Option<usize> {
    let f: Value = serde_json::from_str(filter).ok()?;
    f.pointer("/room/timeline/limit")?
        .as_u64()
        .map(|l| l as usize)
}

fn initial(data: &Data, user: &str, limit: usize) -> Value {
    let mut join = Map::new();
    for room_id in data.user_rooms.get(user).into_iter().flatten() {
        let Some(room) = data.rooms.get(room_id) else {
            continue;
        };
        let start = room.events.len().saturating_sub(limit);
        let timeline: Vec<Value> = room.events[start..]
            .iter()
            .map(|p| data.events[*p].json.clone())
            .collect();
        let senders: HashSet<&str> = timeline
            .iter()
            .filter_map(|e| e["sender"].as_str())
            .collect();
        let state: Vec<Value> = room.events[..start]
            .iter()
            .map(|p| &data.events[*p].json)
            .filter(|e| {
                e["type"] == "m.room.create"
                    || (e["type"] == "m.room.member"
                        && senders.contains(e["state_key"].as_str().unwrap_or("")))
            })
            .cloned()
            .collect();
        join.insert(room_id.clone(), room_json(timeline, state, start > 0));
    }
    json!({ "next_batch": format!("s{}", data.events.len()), "rooms": { "join": join } })
}

/// The new events since `since` in the user's rooms, and whether there were any.
fn incremental(data: &Data, user: &str, since: usize, limit: usize) -> (Value, bool) {
    let empty = HashSet::new();
    let rooms = data.user_rooms.get(user).unwrap_or(&empty);
    let mut per_room: HashMap<&str, Vec<Value>> = HashMap::new();
    for ev in data.events.iter().skip(since) {
        if rooms.contains(&ev.room_id) {
            per_room
                .entry(ev.room_id.as_str())
                .or_default()
                .push(ev.json.clone());
        }
    }
    let any = !per_room.is_empty();
    let mut join = Map::new();
    for (room_id, mut events) in per_room {
        let limited = events.len() > limit;
        if limited {
            events.drain(..events.len() - limit);
        }
        join.insert(room_id.to_owned(), room_json(events, Vec::new(), limited));
    }
    let next = format!("s{}", data.events.len());
    (
        json!({ "next_batch": next, "rooms": { "join": join } }),
        any,
    )
}

fn room_json(timeline: Vec<Value>, state: Vec<Value>, limited: bool) -> Value {
    json!({
        "timeline": { "events": timeline, "limited": limited, "prev_batch": "p0" },
        "state": { "events": state },
        "unread_notifications": { "highlight_count": 0, "notification_count": 0 },
    })
}
