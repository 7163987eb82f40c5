//! `initial-sync`: builds R rooms of K members with T messages each around one user,
//! then times that user's cold initial /sync (on a fresh device, with an Element-Web
//! style filter: lazy-loaded members, timeline limit 20), a second full sync on another
//! fresh device, and a warm incremental sync after one new message.

use super::{phase, public_room, register_users, Ctx, ELEMENT_FILTER, PASSWORD};
use crate::client::{Session, SyncResponse};
use crate::report::Report;
use crate::stats::ms;
use anyhow::{bail, Context, Result};
use serde_json::json;
use tokio::time::Instant;

/// Attempts per room creation during set-up.
const SETUP_ATTEMPTS: usize = 3;

/// Runs the scenario.
pub async fn run(ctx: &Ctx, rooms: usize, members: usize, events: usize) -> Result<Report> {
    let params = json!({ "rooms": rooms, "members": members, "events_per_room": events });
    let setup_start = Instant::now();
    let (main_name, room_ids, others) = build(ctx, rooms, members, events).await?;
    let setup = setup_start.elapsed();

    let mut r = Report::new("initial-sync", params);
    r.add("setup_s", setup.as_secs_f64());
    let cold = full_sync(ctx, &main_name).await?;
    r.add("initial_sync_ms", cold.ms);
    r.add("initial_sync_bytes", cold.bytes as f64);
    r.add("initial_sync_rooms", cold.parsed.rooms.join.len() as f64);
    let repeat = full_sync(ctx, &main_name).await?;
    r.add("initial_sync_repeat_ms", repeat.ms);

    let sender = others.first().unwrap_or(&cold.session);
    ctx.mx
        .send_text(
            sender,
            &room_ids[0],
            &format!("{}-inc", ctx.run_id),
            "incremental",
        )
        .await?;
    let t = Instant::now();
    let inc = ctx
        .mx
        .sync_raw(
            &cold.session,
            Some(&cold.parsed.next_batch),
            0,
            Some(ELEMENT_FILTER),
        )
        .await?;
    r.add("incremental_sync_ms", ms(t.elapsed()));
    r.add("incremental_sync_bytes", inc.len() as f64);
    Ok(r)
}

/// A measured full sync.
struct FullSync {
    session: Session,
    ms: f64,
    bytes: usize,
    parsed: SyncResponse,
}

/// Logs `name` in on a new device and times a filtered initial sync.
async fn full_sync(ctx: &Ctx, name: &str) -> Result<FullSync> {
    let session = ctx.mx.login(name, PASSWORD).await?;
    let t = Instant::now();
    let raw = ctx
        .mx
        .sync_raw(&session, None, 0, Some(ELEMENT_FILTER))
        .await?;
    let elapsed = ms(t.elapsed());
    let parsed = serde_json::from_slice(&raw).context("parsing initial sync")?;
    Ok(FullSync {
        session,
        ms: elapsed,
        bytes: raw.len(),
        parsed,
    })
}

/// Creates the users and rooms and fills the timelines. Returns the measured user's
/// name, the room IDs and the other members' sessions.
pub(super) async fn build(
    ctx: &Ctx,
    rooms: usize,
    members: usize,
    events: usize,
) -> Result<(String, Vec<String>, Vec<Session>)> {
    let main = register_users(ctx, "i", 1).await?.remove(0);
    let others = register_users(ctx, "k", members.saturating_sub(1)).await?;
    let create = phase::run(ctx, rooms, "createRoom", |i| {
        let (mx, s) = (ctx.mx.clone(), main.clone());
        async move {
            // Set-up only: retry, so one flaky creation does not void the measurement.
            let body = public_room(&format!("sync room {i}"));
            let mut last = mx.create_room(&s, &body).await;
            for _ in 1..SETUP_ATTEMPTS {
                if last.is_ok() {
                    break;
                }
                last = mx.create_room(&s, &body).await;
            }
            last
        }
    })
    .await;
    let room_ids: Vec<String> = create.ok.into_iter().map(|(_, id)| id).collect();
    if room_ids.len() != rooms {
        bail!("created only {} of {rooms} rooms", room_ids.len());
    }
    let joins: Vec<(usize, usize)> = (0..others.len())
        .flat_map(|u| (0..rooms).map(move |r| (u, r)))
        .collect();
    let joined = phase::run(ctx, joins.len(), "join", |i| {
        let (u, room) = joins[i];
        let (mx, s, room) = (ctx.mx.clone(), others[u].clone(), room_ids[room].clone());
        async move { mx.join(&s, &room).await }
    })
    .await;
    if joined.ok.len() != joins.len() {
        bail!(
            "only {} of {} joins succeeded",
            joined.ok.len(),
            joins.len()
        );
    }
    let senders: Vec<Session> = if others.is_empty() {
        vec![main.clone()]
    } else {
        others.clone()
    };
    let sent = phase::run(ctx, rooms * events, "send", |i| {
        let (room, n) = (i / events.max(1), i % events.max(1));
        let s = senders[(room + n) % senders.len()].clone();
        let (mx, room, txn) = (
            ctx.mx.clone(),
            room_ids[room].clone(),
            format!("{}-s{i}", ctx.run_id),
        );
        async move { mx.send_text(&s, &room, &txn, &format!("message {n}")).await }
    })
    .await;
    if sent.ok.len() != rooms * events {
        bail!(
            "only {} of {} messages were sent",
            sent.ok.len(),
            rooms * events
        );
    }
    Ok((ctx.user_name("i", 0), room_ids, others))
}
