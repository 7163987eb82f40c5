//! `fed-join`: time to join a big remote room. N users registered on the origin
//! server join one public room there; then, for each peer server in turn, a user of
//! that peer joins the room by ID with `via` = the origin. Measured per peer: the
//! `/join` call, and the time from the start of the call until the peer's
//! `/joined_members` lists every member (a server that returns from `/join` early,
//! with partial state, shows the difference here).

use super::{origin_server, Ctx};
use crate::client::{Matrix, Session};
use crate::report::Report;
use crate::scenarios::{join_all, public_room, register_users, PASSWORD};
use crate::stats::ms;
use anyhow::{Context, Result};
use serde_json::json;
use std::time::Duration;
use tokio::time::Instant;

/// How often the peer's member list is polled after the join.
const MEMBER_POLL: Duration = Duration::from_millis(50);
/// Longest wait for the peer's member list after the join returned.
const MEMBER_WAIT: Duration = Duration::from_secs(300);

/// Runs the scenario: builds the room on the origin (`ctx.mx`), then joins from each peer.
pub async fn run(ctx: &Ctx, peers: &[Matrix], members: usize) -> Result<Report> {
    let setup_start = Instant::now();
    let users = register_users(ctx, "j", members.max(1)).await?;
    let register_s = setup_start.elapsed().as_secs_f64();
    let room = ctx
        .mx
        .create_room(&users[0], &public_room("plexus-load federation join"))
        .await?;
    let joins_start = Instant::now();
    join_all(ctx, &users[1..], &room).await?;
    let local_joins_s = joins_start.elapsed().as_secs_f64();
    let origin = origin_server(&users[0])?;
    let members_on_origin = ctx.mx.joined_member_count(&users[0], &room).await?;

    let params =
        json!({ "members": members, "peers": peers.len(), "concurrency": ctx.concurrency });
    let mut r = Report::new("fed-join", params);
    r.add("members_on_origin", members_on_origin as f64);
    r.add("setup_register_s", register_s);
    r.add("setup_local_joins_s", local_joins_s);
    for (k, peer) in peers.iter().enumerate() {
        let expected = members_on_origin + k + 1;
        match join_one(ctx, peer, k, &room, &origin, expected).await {
            Ok(m) => {
                r.add(&format!("peer{k}_join_ms"), m.join_ms);
                r.add(&format!("peer{k}_all_members_ms"), m.all_members_ms);
                r.add(&format!("peer{k}_members_seen"), m.members_seen as f64);
            }
            Err(e) => ctx.errors.record(format!("peer {k}: {e:#}")),
        }
    }
    Ok(r)
}

/// One peer's figures.
struct Joined {
    join_ms: f64,
    all_members_ms: f64,
    members_seen: usize,
}

/// Registers a user on `peer`, times its remote join and waits for the member list.
async fn join_one(
    ctx: &Ctx,
    peer: &Matrix,
    k: usize,
    room: &str,
    origin: &str,
    expected: usize,
) -> Result<Joined> {
    let joiner = peer
        .register(&ctx.user_name(&format!("p{k}x"), 0), PASSWORD)
        .await
        .context("registering the joiner")?;
    let start = Instant::now();
    tokio::time::timeout_at(ctx.deadline, peer.join_via(&joiner, room, origin))
        .await
        .context("time limit reached during the remote join")?
        .context("remote join")?;
    let join_ms = ms(start.elapsed());
    let (members_seen, at) = wait_for_members(ctx, peer, &joiner, room, expected).await;
    Ok(Joined {
        join_ms,
        all_members_ms: ms(at - start),
        members_seen,
    })
}

/// Polls the peer's `/joined_members` until it lists `expected` users (or the wait
/// ends); returns the last count seen and when it was seen.
async fn wait_for_members(
    ctx: &Ctx,
    peer: &Matrix,
    joiner: &Session,
    room: &str,
    expected: usize,
) -> (usize, Instant) {
    let until = (Instant::now() + MEMBER_WAIT).min(ctx.deadline);
    let mut seen = 0;
    loop {
        match peer.joined_member_count(joiner, room).await {
            Ok(n) => seen = n,
            Err(e) => ctx.errors.record(format!("joined_members: {e:#}")),
        }
        let now = Instant::now();
        if seen >= expected || now >= until {
            return (seen, now);
        }
        tokio::time::sleep(MEMBER_POLL).await;
    }
}
