//! `sliding-sync`: the same data as [`initial_sync`](super::initial_sync) (R rooms of K
//! members with T messages each around one user), then Element X's launch through
//! simplified sliding sync (MSC4186):
//!
//! * the **first response** of a new connection (one list `all_rooms`, ranges [[0, 19]],
//!   timeline limit 1, Element X's required state, the e2ee / to_device / account_data /
//!   receipts / typing extensions on), repeated N times, each on a fresh device so every
//!   repetition is a new connection with nothing cached for it;
//! * the **incremental response** after one new message: another member sends into a room
//!   of the window, and once the send has returned the measured user asks with the last
//!   `pos` and `timeout=0` (no long-poll wake-up in the figure, only the work of building
//!   the response), repeated N times on the same connection.

use super::{initial_sync, Ctx, PASSWORD};
use crate::client::Session;
use crate::report::Report;
use crate::stats::{ms, Summary};
use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Value};
use tokio::time::Instant;

#[cfg(test)]
mod tests;

/// The list Element X's room list asks for.
pub const LIST: &str = "all_rooms";

/// Sizes of the run.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Rooms the measured user is in.
    pub rooms: usize,
    /// Members per room (the measured user included).
    pub members: usize,
    /// Messages sent into each room during set-up.
    pub events: usize,
    /// Repetitions of each measurement.
    pub repeats: usize,
}

/// Element X's room-list request (matrix-rust-sdk's room list service, trimmed to what
/// both servers implement): one list of the 20 most recent rooms.
pub fn element_x_request() -> Value {
    json!({
        "conn_id": "room-list",
        "lists": { LIST: {
            "ranges": [[0, 19]],
            "timeline_limit": 1,
            "required_state": [
                ["m.room.name", ""],
                ["m.room.avatar", ""],
                ["m.room.encryption", ""],
                ["m.room.member", "$ME"],
            ],
        }},
        "extensions": {
            "e2ee": { "enabled": true },
            "to_device": { "enabled": true },
            "account_data": { "enabled": true },
            "receipts": { "enabled": true },
            "typing": { "enabled": true },
        },
    })
}

/// Runs the scenario.
pub async fn run(ctx: &Ctx, plan: Plan) -> Result<Report> {
    let params = json!({
        "rooms": plan.rooms, "members": plan.members,
        "events_per_room": plan.events, "repeats": plan.repeats,
    });
    let setup_start = Instant::now();
    let (main_name, _room_ids, others) =
        initial_sync::build(ctx, plan.rooms, plan.members, plan.events).await?;
    let setup = setup_start.elapsed();

    let mut r = Report::new("sliding-sync", params);
    r.add("setup_s", setup.as_secs_f64());
    let first = first_responses(ctx, &main_name, plan.repeats).await?;
    r.add("first_response_cold_ms", first.ms[0]);
    r.add_latency("first_response", Summary::from_ms(first.ms.clone()));
    r.add("first_response_bytes", first.last.bytes as f64);
    r.add("first_response_rooms", first.last.rooms.len() as f64);
    r.add("list_count", first.last.list_count as f64);

    let sender = others.first().unwrap_or(&first.session).clone();
    let inc = incrementals(ctx, &first, &sender, plan.repeats).await?;
    r.add_latency("incremental", Summary::from_ms(inc.ms.clone()));
    r.add("incremental_bytes", inc.bytes as f64);
    r.add("incremental_seen", inc.seen as f64);
    r.extra = json!({ "first_response_ms": first.ms, "incremental_ms": inc.ms });
    Ok(r)
}

/// What the scenario reads from one response.
#[derive(Debug)]
pub struct Parsed {
    /// Size of the body.
    pub bytes: usize,
    /// `pos` for the next request.
    pub pos: String,
    /// `lists.all_rooms.count`.
    pub list_count: u64,
    /// Room IDs in `rooms`, sorted.
    pub rooms: Vec<String>,
    /// The body, for content checks.
    pub body: Value,
}

/// Parses a response body.
pub fn parse(raw: &[u8]) -> Result<Parsed> {
    let body: Value = serde_json::from_slice(raw).context("parsing sliding sync response")?;
    let pos = body
        .get("pos")
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("sliding sync response without pos"))?
        .to_owned();
    let list_count = body
        .pointer(&format!("/lists/{LIST}/count"))
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let mut rooms: Vec<String> = body
        .get("rooms")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    rooms.sort();
    Ok(Parsed {
        bytes: raw.len(),
        pos,
        list_count,
        rooms,
        body,
    })
}

/// Whether `room`'s timeline in a response holds a message with this `body`.
pub fn timeline_has(resp: &Value, room: &str, body: &str) -> bool {
    resp.get("rooms")
        .and_then(|r| r.get(room))
        .and_then(|r| r.get("timeline"))
        .and_then(Value::as_array)
        .is_some_and(|events| {
            events
                .iter()
                .any(|e| e.pointer("/content/body").and_then(Value::as_str) == Some(body))
        })
}

/// The repeated first responses; the last one's connection is kept.
struct First {
    ms: Vec<f64>,
    session: Session,
    last: Parsed,
}

/// Logs in on a fresh device (not timed) and times a new connection's first response,
/// `repeats` times.
async fn first_responses(ctx: &Ctx, name: &str, repeats: usize) -> Result<First> {
    let request = element_x_request();
    let mut samples = Vec::with_capacity(repeats);
    let mut kept = None;
    for _ in 0..repeats.max(1) {
        if ctx.remaining().is_zero() {
            break;
        }
        let session = ctx.mx.login(name, PASSWORD).await?;
        let t = Instant::now();
        let raw = ctx.mx.sliding_sync_raw(&session, None, 0, &request).await?;
        samples.push(ms(t.elapsed()));
        let parsed = parse(&raw)?;
        if parsed.rooms.is_empty() {
            bail!("first sliding sync response holds no room");
        }
        kept = Some((session, parsed));
    }
    let (session, last) = kept.ok_or_else(|| anyhow!("no time left for a first response"))?;
    Ok(First {
        ms: samples,
        session,
        last,
    })
}

/// The repeated incremental responses.
struct Incremental {
    ms: Vec<f64>,
    bytes: usize,
    seen: usize,
}

/// Sends one message into a room of the window, then times the next response on the
/// same connection (`timeout=0`), `repeats` times.
async fn incrementals(
    ctx: &Ctx,
    first: &First,
    sender: &Session,
    repeats: usize,
) -> Result<Incremental> {
    let request = element_x_request();
    let room = first.last.rooms[0].clone();
    let mut pos = first.last.pos.clone();
    let mut out = Incremental {
        ms: Vec::with_capacity(repeats),
        bytes: 0,
        seen: 0,
    };
    for i in 0..repeats.max(1) {
        if ctx.remaining().is_zero() {
            break;
        }
        let marker = format!("{}-ss{i}", ctx.run_id);
        ctx.mx.send_text(sender, &room, &marker, &marker).await?;
        let t = Instant::now();
        let raw = ctx
            .mx
            .sliding_sync_raw(&first.session, Some(&pos), 0, &request)
            .await?;
        out.ms.push(ms(t.elapsed()));
        let parsed = parse(&raw)?;
        if timeline_has(&parsed.body, &room, &marker) {
            out.seen += 1;
        } else {
            ctx.errors
                .record(format!("incremental {i}: the new message is not in {room}"));
        }
        out.bytes = parsed.bytes;
        pos = parsed.pos;
    }
    Ok(out)
}
