//! The outbound send queue's sender (issue #8): drains the persisted
//! per-destination queue of `plexus_service::outbox` as
//! `PUT /_matrix/federation/v1/send/{txnId}` transactions.
//!
//! One task per destination (started when it first has items, kept while
//! the process runs), one transaction in flight per destination, retried
//! with exponential backoff (`retry_base_ms` doubling up to
//! `retry_max_secs`). Destinations never wait on each other, so a dead peer
//! delays nobody else. Items are deleted only after a 200 (or a definitive
//! refusal), so what is pending survives a restart and is sent after start-up.
//! An authenticated request from a server ([`Sender::peer_seen`]) ends its
//! backoff at once: it is evidently back.

mod destination;
mod transaction;

use std::{
    collections::HashMap,
    sync::{atomic::AtomicBool, Arc, Mutex},
    time::Duration,
};

use plexus_service::Services;
use ruma::ServerName;
use tokio::{sync::watch, task::JoinHandle};

use crate::FederationClient;

/// Drains the send queue; built once with the [`crate::Federation`].
pub struct Sender {
    services: Arc<Services>,
    client: Arc<FederationClient>,
    retry: Retry,
    destinations: Mutex<HashMap<String, Arc<DestinationState>>>,
}

/// Backoff bounds, from `[federation]`.
#[derive(Clone, Copy, Debug)]
struct Retry {
    base: Duration,
    max: Duration,
}

/// What a destination's task is woken by.
#[derive(Default)]
struct DestinationState {
    /// New items, or a request from the peer.
    notify: tokio::sync::Notify,
    /// Set by [`Sender::peer_seen`]: end the backoff now.
    seen: AtomicBool,
}

impl Sender {
    pub fn new(services: Arc<Services>, client: Arc<FederationClient>) -> Sender {
        let config = &services.config.federation;
        let retry = Retry {
            base: Duration::from_millis(config.retry_base_ms.max(1)),
            max: Duration::from_secs(config.retry_max_secs.max(1)),
        };
        Sender {
            services,
            client,
            retry,
            destinations: Mutex::default(),
        }
    }

    /// Starts sending: what is pending now, then whatever is enqueued, until
    /// `stop` turns true.
    pub fn start(self: &Arc<Self>, stop: watch::Receiver<bool>) -> JoinHandle<()> {
        let sender = self.clone();
        tokio::spawn(async move { sender.dispatch(stop).await })
    }

    /// `server` just made an authenticated request: if its queue is backing
    /// off, try again now.
    pub fn peer_seen(&self, server: &ServerName) {
        let destinations = self.destinations.lock().expect("sender map poisoned");
        if let Some(state) = destinations.get(server.as_str()) {
            state.seen.store(true, std::sync::atomic::Ordering::SeqCst);
            state.notify.notify_one();
        }
    }

    /// Wakes destinations with new items (after an explicit wake-up or any
    /// move of the global stream, which follows every event write).
    async fn dispatch(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let mut stream = self.services.stream.subscribe();
        if let Err(e) = self.services.index_room_servers_once() {
            tracing::error!(error = %e, "cannot index the servers of rooms");
        }
        if let Err(e) = self.services.prune_remote_to_device_ids() {
            tracing::warn!(error = %e, "cannot prune old to-device message IDs");
        }
        if let Err(e) = self.services.prune_txn_answers() {
            tracing::warn!(error = %e, "cannot prune old inbound transaction answers");
        }
        match self.services.outbox_destinations() {
            Ok(pending) => pending.iter().for_each(|d| self.poke(d, &stop)),
            Err(e) => tracing::error!(error = %e, "cannot read the federation send queue"),
        }
        loop {
            tokio::select! {
                _ = self.services.outbox.notified() => {}
                changed = stream.changed() => if changed.is_err() { return },
                _ = stop.wait_for(|stop| *stop) => return,
            }
            for destination in self.services.outbox.take_woken() {
                self.poke(&destination, &stop);
            }
        }
    }

    /// Wakes the destination's task, starting it if needed.
    fn poke(self: &Arc<Self>, destination: &str, stop: &watch::Receiver<bool>) {
        let mut destinations = self.destinations.lock().expect("sender map poisoned");
        let state = match destinations.get(destination) {
            Some(state) => state.clone(),
            None => {
                let state = Arc::new(DestinationState::default());
                destinations.insert(destination.to_owned(), state.clone());
                let task = destination::Task {
                    sender: self.clone(),
                    destination: destination.to_owned(),
                    state: state.clone(),
                    stop: stop.clone(),
                };
                tokio::spawn(task.run());
                state
            }
        };
        state.notify.notify_one();
    }
}

#[cfg(test)]
mod tests;
