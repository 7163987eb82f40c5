//! `chat`: N users in one room. Each long-polls /sync (after an initial sync) while
//! sending M messages. Measures send throughput and latency, and fan-out latency: the
//! time from the start of a send to the message appearing in *another* user's /sync,
//! matched through a unique marker carried in the message body.

use super::{join_all, public_room, register_users, Ctx};
use crate::client::{Matrix, Session};
use crate::report::Report;
use crate::stats::{ms, rate, Summary};
use crate::util::Errors;
use anyhow::Result;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// Long-poll timeout of each /sync, in milliseconds.
const POLL_MS: u64 = 10_000;
/// Filter for the long-polling syncs: a timeline big enough never to be limited here.
const CHAT_FILTER: &str =
    r#"{"room":{"state":{"lazy_load_members":true},"timeline":{"limit":100}}}"#;
/// Filter for the initial sync that only fetches a `since` token.
const TOKEN_FILTER: &str = r#"{"room":{"timeline":{"limit":1}}}"#;

/// State shared between senders and sync loops.
struct Shared {
    /// Body prefix that marks this run's messages; the message number follows it.
    prefix: String,
    /// When each message's send started, by message number.
    started: Mutex<HashMap<u64, Instant>>,
    /// Deliveries seen so far by all sync loops.
    delivered: AtomicU64,
}

/// What one sync loop saw: (message number, when it arrived).
type Seen = Vec<(u64, Instant)>;

/// Runs the scenario.
pub async fn run(ctx: &Ctx, users: usize, messages: usize, drain: Duration) -> Result<Report> {
    let params =
        json!({ "users": users, "messages_per_user": messages, "drain_s": drain.as_secs() });
    let setup_start = Instant::now();
    let sessions = register_users(ctx, "c", users).await?;
    let room = ctx
        .mx
        .create_room(&sessions[0], &public_room("plexus-load chat"))
        .await?;
    join_all(ctx, &sessions[1..], &room).await?;
    let sinces = initial_syncs(ctx, &sessions).await?;
    let setup = setup_start.elapsed();

    let shared = Arc::new(Shared {
        prefix: format!("plexus-load {} #", ctx.run_id),
        started: Mutex::new(HashMap::new()),
        delivered: AtomicU64::new(0),
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    let syncers = spawn_syncers(ctx, &sessions, sinces, &room, &shared, stop_rx);

    let send_start = Instant::now();
    let send_latencies = send_all(ctx, &sessions, &room, messages, &shared).await;
    let send_elapsed = send_start.elapsed();
    let expected = send_latencies.len() as u64 * (users as u64 - 1);
    wait_for_deliveries(ctx, &shared, expected, drain).await;
    let _ = stop_tx.send(true);
    let fanout = collect_fanout(syncers, &shared).await;

    let mut r = Report::new("chat", params);
    r.add("messages_sent", send_latencies.len() as f64);
    r.add("messages_per_s", rate(send_latencies.len(), send_elapsed));
    r.add_latency("send", Summary::from_durations(&send_latencies));
    r.add_latency("fanout", Summary::from_ms(fanout.clone()));
    r.add("deliveries_received", fanout.len() as f64);
    r.add("deliveries_expected", expected as f64);
    r.add("setup_s", setup.as_secs_f64());
    r.add("send_phase_s", send_elapsed.as_secs_f64());
    Ok(r)
}

/// Starts one /sync long-poll loop per user.
fn spawn_syncers(
    ctx: &Ctx,
    sessions: &[Session],
    sinces: Vec<String>,
    room: &str,
    shared: &Arc<Shared>,
    stop: watch::Receiver<bool>,
) -> JoinSet<Seen> {
    let mut syncers = JoinSet::new();
    for (s, since) in sessions.iter().zip(sinces) {
        let sl = SyncLoop {
            mx: ctx.mx.clone(),
            session: s.clone(),
            room: room.to_owned(),
            shared: shared.clone(),
            errors: ctx.errors.clone(),
            deadline: ctx.deadline,
        };
        syncers.spawn(sl.run(since, stop.clone()));
    }
    syncers
}

/// Waits for the (stopped) sync loops and turns what they saw into fan-out latencies
/// in milliseconds.
async fn collect_fanout(mut syncers: JoinSet<Seen>, shared: &Shared) -> Vec<f64> {
    let mut fanout = Vec::new();
    while let Some(Ok(seen)) = syncers.join_next().await {
        let started = shared.started.lock().expect("started lock");
        fanout.extend(
            seen.iter()
                .filter_map(|(id, at)| started.get(id).map(|s| ms(*at - *s))),
        );
    }
    fanout
}

/// One timeline-limited initial sync per user, returning each `next_batch`.
async fn initial_syncs(ctx: &Ctx, sessions: &[Session]) -> Result<Vec<String>> {
    let done = crate::util::bounded(sessions.len(), ctx.concurrency, ctx.deadline, |i| {
        let (mx, s) = (ctx.mx.clone(), sessions[i].clone());
        async move {
            mx.sync(&s, None, 0, Some(TOKEN_FILTER))
                .await
                .map(|r| r.next_batch)
        }
    })
    .await;
    super::collect_all(ctx, done, sessions.len(), "initial sync")
}

/// Every user sends `messages` messages, one after another; all users at once.
/// Returns the latencies of the sends that succeeded.
async fn send_all(
    ctx: &Ctx,
    sessions: &[Session],
    room: &str,
    messages: usize,
    shared: &Arc<Shared>,
) -> Vec<Duration> {
    let mut senders = JoinSet::new();
    for (i, s) in sessions.iter().enumerate() {
        let (mx, s, room, shared) = (ctx.mx.clone(), s.clone(), room.to_owned(), shared.clone());
        let (errors, deadline, run_id) = (ctx.errors.clone(), ctx.deadline, ctx.run_id.clone());
        senders.spawn(async move {
            let mut lat = Vec::with_capacity(messages);
            for j in 0..messages {
                if Instant::now() >= deadline {
                    break;
                }
                let id = (i * messages + j) as u64;
                let body = format!("{}{id}", shared.prefix);
                let start = Instant::now();
                shared
                    .started
                    .lock()
                    .expect("started lock")
                    .insert(id, start);
                let txn = format!("{run_id}-{id}");
                let send = mx.send_text(&s, &room, &txn, &body);
                match tokio::time::timeout_at(deadline, send).await {
                    Ok(Ok(_)) => lat.push(start.elapsed()),
                    Ok(Err(e)) => errors.record(format!("send: {e:#}")),
                    Err(_) => break,
                }
            }
            lat
        });
    }
    let mut all = Vec::new();
    while let Some(Ok(lat)) = senders.join_next().await {
        all.extend(lat);
    }
    all
}

/// Waits until every expected delivery was seen, `drain` passed, or the deadline.
async fn wait_for_deliveries(ctx: &Ctx, shared: &Shared, expected: u64, drain: Duration) {
    let until = (Instant::now() + drain).min(ctx.deadline);
    while shared.delivered.load(Ordering::Relaxed) < expected && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// One user's /sync long-poll loop.
struct SyncLoop {
    mx: Matrix,
    session: Session,
    room: String,
    shared: Arc<Shared>,
    errors: Errors,
    deadline: Instant,
}

impl SyncLoop {
    async fn run(self, mut since: String, mut stop: watch::Receiver<bool>) -> Seen {
        let mut seen = Vec::new();
        let mut ids = HashSet::new();
        while !*stop.borrow() && Instant::now() < self.deadline {
            let sync = self
                .mx
                .sync(&self.session, Some(&since), POLL_MS, Some(CHAT_FILTER));
            let resp = tokio::select! {
                r = sync => r,
                _ = stop.changed() => break,
                _ = tokio::time::sleep_until(self.deadline) => break,
            };
            let now = Instant::now();
            match resp {
                Ok(resp) => {
                    since = resp.next_batch;
                    let Some(room) = resp.rooms.join.get(&self.room) else {
                        continue;
                    };
                    for ev in &room.timeline.events {
                        if ev.sender == self.session.user_id {
                            continue;
                        }
                        let marker = ev
                            .body()
                            .and_then(|b| b.strip_prefix(self.shared.prefix.as_str()));
                        if let Some(id) = marker.and_then(|m| m.parse::<u64>().ok()) {
                            if ids.insert(id) {
                                seen.push((id, now));
                                self.shared.delivered.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                }
                Err(e) => {
                    self.errors.record(format!("sync: {e:#}"));
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        seen
    }
}
