//! Federation scenarios: two (or more) homeservers federating on this machine, each
//! driven through its own client-server API. `--url` is the *origin* server (where the
//! room is created); `--peer-url` the server(s) whose users join it over federation.
//!
//! * [`latency`]: send on the origin → arrival in a peer user's long-polled `/sync`.
//! * [`join`]: time for a peer user to join a room of N members living on the origin.

pub mod join;
pub mod latency;

use super::Ctx;
use crate::client::{federation::server_of, Matrix, Session};
use crate::guard;
use crate::report::Report;
use anyhow::{anyhow, Result};
use std::time::Duration;

/// A federation scenario with its parameters.
#[derive(Debug, Clone)]
pub enum FedScenario {
    /// See [`latency`].
    Latency {
        /// Client API base URL of the receiving server.
        peer_url: String,
        /// Measured messages.
        messages: usize,
        /// Messages sent first and not counted (key fetches, connection set-up).
        warmup: usize,
        /// Pause after each arrival before the next send.
        gap: Duration,
        /// Longest wait for one message before it counts as lost.
        per_message_timeout: Duration,
    },
    /// See [`join`].
    Join {
        /// Client API base URLs of the joining servers, measured in order.
        peer_urls: Vec<String>,
        /// Members of the room on the origin (its creator included).
        members: usize,
    },
}

/// Runs a federation scenario; `allow_non_loopback` applies to the peers too.
pub async fn run(ctx: &Ctx, scenario: &FedScenario, allow_non_loopback: bool) -> Result<Report> {
    match scenario {
        FedScenario::Latency {
            peer_url,
            messages,
            warmup,
            gap,
            per_message_timeout,
        } => {
            let peer = peer_client(peer_url, allow_non_loopback)?;
            let plan = latency::Plan {
                messages: *messages,
                warmup: *warmup,
                gap: *gap,
                per_message_timeout: *per_message_timeout,
            };
            latency::run(ctx, &peer, &plan).await
        }
        FedScenario::Join { peer_urls, members } => {
            let peers = peer_urls
                .iter()
                .map(|u| peer_client(u, allow_non_loopback))
                .collect::<Result<Vec<_>>>()?;
            join::run(ctx, &peers, *members).await
        }
    }
}

fn peer_client(url: &str, allow_non_loopback: bool) -> Result<Matrix> {
    Matrix::new(guard::check_target(url, allow_non_loopback)?)
}

/// The server name of `session`'s user, used as `via` for remote joins.
fn origin_server(session: &Session) -> Result<String> {
    server_of(&session.user_id)
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("user ID without a server name: {}", session.user_id))
}
