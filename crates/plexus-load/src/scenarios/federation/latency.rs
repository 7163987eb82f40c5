//! `fed-latency`: federation delivery latency. A user on the origin server creates a
//! public room, a user on the peer joins it over federation, long-polls `/sync` on
//! the peer, and the origin user sends messages one at a time: each is timed from the
//! start of its send on the origin to its arrival in the peer user's `/sync`
//! (matched by a unique number in the body). The next message is sent only after the
//! previous one arrived (or timed out) and a short gap, so each measures an idle
//! path rather than a queue.

use super::{origin_server, Ctx};
use crate::client::{Matrix, Session};
use crate::report::Report;
use crate::scenarios::{public_room, PASSWORD};
use crate::stats::{ms, Summary};
use crate::util::Errors;
use anyhow::{Context, Result};
use serde_json::json;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

/// Long-poll timeout of the receiver's `/sync`, in milliseconds.
const POLL_MS: u64 = 10_000;
/// Filter of the receiver's long polls: a timeline never limited here.
const SYNC_FILTER: &str =
    r#"{"room":{"state":{"lazy_load_members":true},"timeline":{"limit":50}}}"#;
/// Filter of the receiver's first sync, which only fetches a `since` token.
const TOKEN_FILTER: &str = r#"{"room":{"timeline":{"limit":1}}}"#;

/// How many messages, and how they are paced.
pub struct Plan {
    /// Measured messages.
    pub messages: usize,
    /// Unmeasured messages sent first.
    pub warmup: usize,
    /// Pause after each arrival.
    pub gap: Duration,
    /// Longest wait for one arrival.
    pub per_message_timeout: Duration,
}

/// What the send loop measured.
#[derive(Default)]
struct Measured {
    delivery_ms: Vec<f64>,
    send_ms: Vec<f64>,
    lost: usize,
}

/// Runs the scenario against the origin (`ctx.mx`) and `peer`.
pub async fn run(ctx: &Ctx, peer: &Matrix, plan: &Plan) -> Result<Report> {
    let setup_start = Instant::now();
    let sender = ctx
        .mx
        .register(&ctx.user_name("fs", 0), PASSWORD)
        .await
        .context("registering the sender on the origin")?;
    let receiver = peer
        .register(&ctx.user_name("fr", 0), PASSWORD)
        .await
        .context("registering the receiver on the peer")?;
    let room = ctx
        .mx
        .create_room(&sender, &public_room("plexus-load federation latency"))
        .await?;
    let join_start = Instant::now();
    peer.join_via(&receiver, &room, &origin_server(&sender)?)
        .await
        .context("the receiver's remote join")?;
    let join_ms = ms(join_start.elapsed());
    let since = peer
        .sync(&receiver, None, 0, Some(TOKEN_FILTER))
        .await?
        .next_batch;
    let setup_s = setup_start.elapsed().as_secs_f64();

    let prefix = format!("plexus-load fed {} #", ctx.run_id);
    let (tx, rx) = mpsc::unbounded_channel();
    let (stop_tx, stop_rx) = watch::channel(false);
    let receiver_loop = ReceiveLoop {
        mx: peer.clone(),
        session: receiver,
        room: room.clone(),
        prefix: prefix.clone(),
        errors: ctx.errors.clone(),
        deadline: ctx.deadline,
    };
    let receiving = tokio::spawn(receiver_loop.run(since, tx, stop_rx));
    let measured = send_and_wait(ctx, &sender, &room, &prefix, plan, rx).await;
    let _ = stop_tx.send(true);
    let _ = receiving.await;

    let params = json!({
        "messages": plan.messages, "warmup": plan.warmup,
        "gap_ms": plan.gap.as_millis() as u64,
        "per_message_timeout_s": plan.per_message_timeout.as_secs(),
        "peer": peer.base().to_string(),
    });
    let mut r = Report::new("fed-latency", params);
    r.add("delivered", measured.delivery_ms.len() as f64);
    r.add("lost", measured.lost as f64);
    r.add_latency("delivery", Summary::from_ms(measured.delivery_ms.clone()));
    r.add_latency("send", Summary::from_ms(measured.send_ms));
    r.add("remote_join_ms", join_ms);
    r.add("setup_s", setup_s);
    // Every sample in send order, to see whether slow deliveries cluster.
    r.extra = json!({ "delivery_ms": measured.delivery_ms });
    Ok(r)
}

/// Sends `warmup + messages` messages one at a time, each after the previous one
/// arrived (or timed out) and `gap` passed.
async fn send_and_wait(
    ctx: &Ctx,
    sender: &Session,
    room: &str,
    prefix: &str,
    plan: &Plan,
    mut arrivals: mpsc::UnboundedReceiver<(u64, Instant)>,
) -> Measured {
    let mut m = Measured::default();
    for i in 0..(plan.warmup + plan.messages) as u64 {
        if Instant::now() >= ctx.deadline {
            break;
        }
        let counted = i >= plan.warmup as u64;
        let start = Instant::now();
        let txn = format!("{}-fed-{i}", ctx.run_id);
        let body = format!("{prefix}{i}");
        let send = ctx.mx.send_text(sender, room, &txn, &body);
        match tokio::time::timeout_at(ctx.deadline, send).await {
            Ok(Ok(_)) if counted => m.send_ms.push(ms(start.elapsed())),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                ctx.errors.record(format!("send: {e:#}"));
                continue;
            }
            Err(_) => break,
        }
        let until = (start + plan.per_message_timeout).min(ctx.deadline);
        match wait_for(&mut arrivals, i, until).await {
            Some(at) if counted => m.delivery_ms.push(ms(at - start)),
            Some(_) => {}
            None if counted => m.lost += 1,
            None => {}
        }
        tokio::time::sleep(plan.gap).await;
    }
    m
}

/// Waits for message `id` to arrive until `until`; earlier (late) arrivals are skipped.
async fn wait_for(
    arrivals: &mut mpsc::UnboundedReceiver<(u64, Instant)>,
    id: u64,
    until: Instant,
) -> Option<Instant> {
    loop {
        match tokio::time::timeout_at(until, arrivals.recv()).await {
            Ok(Some((got, at))) if got == id => return Some(at),
            Ok(Some(_)) => continue,
            Ok(None) | Err(_) => return None,
        }
    }
}

/// The receiver's `/sync` long-poll loop: reports each marked message once.
struct ReceiveLoop {
    mx: Matrix,
    session: Session,
    room: String,
    prefix: String,
    errors: Errors,
    deadline: Instant,
}

impl ReceiveLoop {
    async fn run(
        self,
        mut since: String,
        arrivals: mpsc::UnboundedSender<(u64, Instant)>,
        mut stop: watch::Receiver<bool>,
    ) {
        while !*stop.borrow() && Instant::now() < self.deadline {
            let sync = self
                .mx
                .sync(&self.session, Some(&since), POLL_MS, Some(SYNC_FILTER));
            let resp = tokio::select! {
                r = sync => r,
                _ = stop.changed() => return,
                _ = tokio::time::sleep_until(self.deadline) => return,
            };
            let now = Instant::now();
            match resp {
                Ok(resp) => {
                    since = resp.next_batch;
                    let Some(room) = resp.rooms.join.get(&self.room) else {
                        continue;
                    };
                    for ev in &room.timeline.events {
                        let marker = ev.body().and_then(|b| b.strip_prefix(self.prefix.as_str()));
                        if let Some(id) = marker.and_then(|m| m.parse::<u64>().ok()) {
                            let _ = arrivals.send((id, now));
                        }
                    }
                }
                Err(e) => {
                    self.errors.record(format!("sync: {e:#}"));
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }
}
