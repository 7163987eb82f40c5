//! The scenarios and what they share: the run context and user set-up helpers.

pub mod chat;
pub mod federation;
pub mod initial_sync;
pub mod phase;
pub mod register;
pub mod rooms;
pub mod sliding_sync;

use crate::client::{Matrix, Session};
use crate::report::Report;
use crate::util::{self, Errors};
use anyhow::{bail, Result};
use serde_json::{json, Value};
use std::time::Duration;
use tokio::time::Instant;
use url::Url;

/// Password given to every user the tool creates.
pub const PASSWORD: &str = "plexus-load-password";

/// Filter used for measured initial syncs, like Element Web's: lazy-loaded members,
/// timeline limit 20.
pub const ELEMENT_FILTER: &str =
    r#"{"room":{"state":{"lazy_load_members":true},"timeline":{"limit":20}}}"#;

/// A scenario with its parameters.
#[derive(Debug, Clone)]
pub enum Scenario {
    /// See [`chat`].
    Chat {
        /// Users in the room.
        users: usize,
        /// Messages per user.
        messages: usize,
        /// Wait for deliveries after the last send.
        drain: Duration,
    },
    /// See [`register`].
    Register {
        /// Users to sign up and log in.
        users: usize,
    },
    /// See [`initial_sync`].
    InitialSync {
        /// Rooms.
        rooms: usize,
        /// Members per room.
        members: usize,
        /// Messages per room.
        events: usize,
    },
    /// See [`sliding_sync`].
    SlidingSync(sliding_sync::Plan),
    /// See [`rooms`].
    Rooms {
        /// Rooms to create.
        rooms: usize,
        /// Users joining each room.
        joiners: usize,
    },
    /// See [`federation`]: two servers or more, through their client APIs.
    Federation {
        /// Which federation scenario, with its parameters.
        scenario: federation::FedScenario,
        /// Whether peers outside loopback are allowed (as for `--url`).
        allow_non_loopback: bool,
    },
}

/// What every scenario runs with.
pub struct Ctx {
    /// The client.
    pub mx: Matrix,
    /// Nothing starts after this instant.
    pub deadline: Instant,
    /// Errors seen.
    pub errors: Errors,
    /// Unique prefix for this run's user names.
    pub run_id: String,
    /// Requests in flight at once in set-up and rate phases.
    pub concurrency: usize,
}

impl Ctx {
    /// A context for the server at `base`.
    pub fn new(base: Url, deadline: Instant, concurrency: usize) -> Result<Ctx> {
        Ok(Ctx {
            mx: Matrix::new(base)?,
            deadline,
            errors: Errors::default(),
            run_id: util::run_id(),
            concurrency,
        })
    }

    /// The user name for the `i`th user with role `tag` in this run.
    pub fn user_name(&self, tag: &str, i: usize) -> String {
        format!("pl{}{tag}{i}", self.run_id)
    }

    /// Time left before the deadline.
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }
}

/// Runs a scenario to completion (or its deadline).
pub async fn run(ctx: &Ctx, scenario: &Scenario) -> Result<Report> {
    match scenario {
        Scenario::Chat {
            users,
            messages,
            drain,
        } => chat::run(ctx, *users, *messages, *drain).await,
        Scenario::Register { users } => register::run(ctx, *users).await,
        Scenario::InitialSync {
            rooms,
            members,
            events,
        } => initial_sync::run(ctx, *rooms, *members, *events).await,
        Scenario::Rooms { rooms, joiners } => rooms::run(ctx, *rooms, *joiners).await,
        Scenario::SlidingSync(plan) => sliding_sync::run(ctx, *plan).await,
        Scenario::Federation {
            scenario,
            allow_non_loopback,
        } => federation::run(ctx, scenario, *allow_non_loopback).await,
    }
}

/// Registers `n` users named after `tag`; fails unless all succeed.
pub async fn register_users(ctx: &Ctx, tag: &str, n: usize) -> Result<Vec<Session>> {
    let names: Vec<String> = (0..n).map(|i| ctx.user_name(tag, i)).collect();
    let done = util::bounded(n, ctx.concurrency, ctx.deadline, |i| {
        let mx = ctx.mx.clone();
        let name = names[i].clone();
        async move { mx.register(&name, PASSWORD).await }
    })
    .await;
    collect_all(ctx, done, n, "register")
}

/// Joins every session to `room`; fails unless all succeed.
pub async fn join_all(ctx: &Ctx, sessions: &[Session], room: &str) -> Result<()> {
    let done = util::bounded(sessions.len(), ctx.concurrency, ctx.deadline, |i| {
        let (mx, s, room) = (ctx.mx.clone(), sessions[i].clone(), room.to_owned());
        async move { mx.join(&s, &room).await }
    })
    .await;
    collect_all(ctx, done, sessions.len(), "join").map(|_| ())
}

/// Body for a public room created by the tool.
pub fn public_room(name: &str) -> Value {
    json!({ "preset": "public_chat", "name": name, "visibility": "private" })
}

/// Turns bounded results into values, recording errors; fails unless all `n` succeeded.
pub fn collect_all<T>(
    ctx: &Ctx,
    done: Vec<(usize, Result<T>)>,
    n: usize,
    what: &str,
) -> Result<Vec<T>> {
    let mut out = Vec::with_capacity(n);
    for (_, r) in done {
        match r {
            Ok(v) => out.push(v),
            Err(e) => ctx.errors.record(format!("{what}: {e:#}")),
        }
    }
    if out.len() != n {
        bail!(
            "{what}: only {} of {n} succeeded (first errors: {:?})",
            out.len(),
            ctx.errors.samples()
        );
    }
    Ok(out)
}
