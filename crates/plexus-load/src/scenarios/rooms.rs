//! `rooms`: one user creates R rooms, then J other users each join every room.
//! Reports creation and join rates and latencies.

use super::{phase, public_room, register_users, Ctx};
use crate::report::Report;
use anyhow::{bail, Result};
use serde_json::json;

/// Runs the scenario.
pub async fn run(ctx: &Ctx, rooms: usize, joiners: usize) -> Result<Report> {
    let users = register_users(ctx, "m", joiners + 1).await?;
    let creator = users[0].clone();
    let create = phase::run(ctx, rooms, "createRoom", |i| {
        let (mx, s) = (ctx.mx.clone(), creator.clone());
        async move {
            mx.create_room(&s, &public_room(&format!("plexus-load room {i}")))
                .await
        }
    })
    .await;
    if create.ok.is_empty() {
        bail!("no room could be created: {:?}", ctx.errors.samples());
    }
    let room_ids: Vec<String> = create.ok.iter().map(|(_, id)| id.clone()).collect();
    let pairs: Vec<(usize, usize)> = (1..=joiners)
        .flat_map(|u| (0..room_ids.len()).map(move |r| (u, r)))
        .collect();
    let join = phase::run(ctx, pairs.len(), "join", |i| {
        let (u, room) = pairs[i];
        let (mx, s, room) = (ctx.mx.clone(), users[u].clone(), room_ids[room].clone());
        async move { mx.join(&s, &room).await }
    })
    .await;

    let params = json!({ "rooms": rooms, "joiners": joiners, "concurrency": ctx.concurrency });
    let mut r = Report::new("rooms", params);
    create.report(&mut r, "create");
    join.report(&mut r, "join");
    r.extra =
        json!({ "create_per_second": create.per_second(), "join_per_second": join.per_second() });
    Ok(r)
}
