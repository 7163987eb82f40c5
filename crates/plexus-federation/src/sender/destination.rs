//! The task of one destination: read the queue's head, send it, acknowledge
//! it on success, back off (and cut a long backlog) on failure; sleep while
//! the queue is empty.

use std::{
    sync::{atomic::Ordering, Arc},
    time::Duration,
};

use tokio::{sync::watch, time::Instant};

use super::{transaction::Outcome, DestinationState, Retry, Sender};

/// How often an empty queue is re-read while an enqueued item's write may still land.
const IN_FLIGHT_POLL: Duration = Duration::from_millis(2);

pub(super) struct Task {
    pub sender: Arc<Sender>,
    pub destination: String,
    pub state: Arc<DestinationState>,
    pub stop: watch::Receiver<bool>,
}

impl Task {
    pub async fn run(mut self) {
        let mut failures: u32 = 0;
        let sender = self.sender.clone();
        let services = &sender.services;
        while !*self.stop.borrow() {
            let txn = match services.outbox_peek(&self.destination) {
                Ok(txn) => txn,
                Err(e) => {
                    tracing::error!(destination = %self.destination, error = %e, "reading the send queue");
                    failures += 1;
                    self.back_off(failures).await;
                    continue;
                }
            };
            if txn.is_empty() {
                self.idle().await;
                continue;
            }
            services.outbox.observed(&self.destination, &txn.seqs);
            match sender.send_transaction(&self.destination, &txn).await {
                Outcome::Retry(reason) => {
                    failures += 1;
                    tracing::warn!(destination = %self.destination, failures, %reason, "transaction failed; will retry");
                    self.compact_backlog();
                    self.back_off(failures).await;
                }
                outcome => {
                    if let Outcome::Refused(reason) = outcome {
                        tracing::warn!(destination = %self.destination, %reason, "transaction refused; dropped");
                    }
                    failures = 0;
                    if let Err(e) = services.outbox_ack(&self.destination, &txn.seqs) {
                        tracing::error!(destination = %self.destination, error = %e, "acknowledging sent items");
                        self.back_off(1).await;
                    }
                }
            }
        }
    }

    /// While the destination cannot be reached, a long queue keeps only the
    /// newest event of each room (`plexus_service::outbox`'s catch-up).
    fn compact_backlog(&self) {
        match self.sender.services.outbox_compact(&self.destination) {
            Ok(0) => {}
            Ok(dropped) => {
                tracing::info!(destination = %self.destination, dropped, "unreachable: backlog cut to the newest event per room")
            }
            Err(e) => {
                tracing::error!(destination = %self.destination, error = %e, "compacting the send queue")
            }
        }
    }

    /// Waits for new items (re-reading soon if a write may be in flight).
    async fn idle(&mut self) {
        let in_flight = self
            .sender
            .services
            .outbox
            .maybe_in_flight(&self.destination);
        let poll = async {
            if in_flight {
                tokio::time::sleep(IN_FLIGHT_POLL).await
            } else {
                std::future::pending().await
            }
        };
        tokio::select! {
            _ = self.state.notify.notified() => {}
            _ = poll => {}
            _ = self.stop.wait_for(|stop| *stop) => {}
        }
    }

    /// Sleeps the backoff of the `failures`-th consecutive failure; new items
    /// do not end it, a request from the peer ([`Sender::peer_seen`]) does.
    async fn back_off(&mut self, failures: u32) {
        let deadline = Instant::now() + self.sender.retry.delay(failures);
        self.state.seen.store(false, Ordering::SeqCst);
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => return,
                _ = self.stop.wait_for(|stop| *stop) => return,
                _ = self.state.notify.notified() => {
                    if self.state.seen.swap(false, Ordering::SeqCst) {
                        return;
                    }
                }
            }
        }
    }
}

impl Retry {
    /// `base · 2^(failures-1)`, at most `max`.
    pub(super) fn delay(&self, failures: u32) -> Duration {
        let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(30));
        self.base.saturating_mul(factor).min(self.max)
    }
}
