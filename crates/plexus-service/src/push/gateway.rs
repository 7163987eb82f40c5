//! Delivering notifications to push gateways (the Push Gateway API,
//! `POST /_matrix/push/v1/notify`), what lets a phone wake for a message
//! while the app sleeps. A task follows the global event stream from the
//! position it last reached (kept in `counters`), evaluates each new event
//! against the push rules of every local member with a pusher, and hands
//! each notification to the [`PushGateway`] the binary installs (the HTTP
//! side lives outside this crate). Pushkeys a gateway rejects are removed.
//! Delivery is best effort, as the spec has it: each delivery runs on its
//! own (a dead gateway delays no one else's), a gateway that fails is
//! retried a few times, then the notification is dropped; events older
//! than [`MAX_AGE_MS`] (a restart after downtime) are not pushed.

mod payload;

use std::{sync::Arc, time::Duration};

use plexus_core::time::now_millis;
use plexus_storage::{Direction, Json};
use serde_json::Value;
use tokio::{
    sync::{watch, Semaphore},
    task::JoinHandle,
};

use crate::{
    tables::{Counters, StreamEvents},
    Result, Services,
};

pub use payload::PushDelivery;

/// Where the notifier has got to in the global stream.
const POSITION_KEY: &str = "push_notifier_position";
/// Events older than this when the notifier reaches them are not pushed.
pub const MAX_AGE_MS: u64 = 5 * 60 * 1000;
/// Attempts per notification before it is dropped.
const ATTEMPTS: u32 = 3;
/// Events handled per pass before the position is saved.
const BATCH: usize = 200;
/// Deliveries in flight at once; past this, new ones are dropped.
const MAX_IN_FLIGHT: usize = 64;

/// The HTTP side of pushing, installed by the binary.
#[async_trait::async_trait]
pub trait PushGateway: Send + Sync {
    /// POSTs `body` to the gateway at `url`; returns the pushkeys it rejected.
    async fn notify(&self, url: &str, body: &Value) -> std::result::Result<Vec<String>, String>;
}

/// What the notifier delivers with: the gateway and the slots that bound
/// how many deliveries are in flight.
#[derive(Clone)]
pub(crate) struct Pushing {
    gateway: Arc<dyn PushGateway>,
    slots: Arc<Semaphore>,
}

impl Pushing {
    pub(crate) fn new(gateway: Arc<dyn PushGateway>) -> Pushing {
        Pushing {
            gateway,
            slots: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
        }
    }
}

impl Services {
    /// Starts the notifier with `gateway`; it ends when `stop` turns true.
    pub fn start_push_notifier(
        self: &Arc<Self>,
        gateway: Arc<dyn PushGateway>,
        mut stop: watch::Receiver<bool>,
    ) -> JoinHandle<()> {
        let services = self.clone();
        let pushing = Pushing::new(gateway);
        tokio::spawn(async move {
            let mut changes = services.stream.subscribe();
            loop {
                changes.borrow_and_update();
                if let Err(e) = services.push_pending(&pushing) {
                    tracing::error!(error = %e, "push notifier");
                }
                tokio::select! {
                    changed = changes.changed() => if changed.is_err() { return },
                    _ = stop.wait_for(|stop| *stop) => return,
                }
            }
        })
    }

    /// Starts the deliveries of the events published since the saved
    /// position, a batch at a time, saving the position after each batch.
    /// Deliveries run on their own: a slow or dead gateway holds up no one
    /// else's notifications.
    pub(crate) fn push_pending(self: &Arc<Self>, pushing: &Pushing) -> Result<()> {
        let current = self.stream.current();
        let mut position = match self.db.get::<Counters>(&POSITION_KEY.into())? {
            Some(position) => position,
            // A first start pushes nothing of the past.
            None => {
                self.db.put::<Counters>(&POSITION_KEY.into(), &current)?;
                current
            }
        };
        while position < current {
            let events = self.stream_events_after(position, current)?;
            let reached = events.last().map_or(current, |(stream, _)| *stream);
            for (_, event_id) in events {
                self.push_event(pushing, &event_id)?;
            }
            position = reached;
            self.db.put::<Counters>(&POSITION_KEY.into(), &position)?;
        }
        Ok(())
    }

    /// Up to [`BATCH`] (stream position, event ID) in (`after`, `upto`].
    fn stream_events_after(&self, after: u64, upto: u64) -> Result<Vec<(u64, String)>> {
        let mut events = Vec::new();
        let start = after.saturating_add(1).to_be_bytes();
        for row in self
            .db
            .scan_from::<StreamEvents, _>(&(), Some(&start), Direction::Forward)?
        {
            let (stream, Json((_, event_id))) = row?;
            if stream > upto || events.len() == BATCH {
                break;
            }
            events.push((stream, event_id));
        }
        Ok(events)
    }

    /// Starts the deliveries one event gives rise to; with every slot
    /// taken, a delivery is dropped (best effort) rather than queued.
    fn push_event(self: &Arc<Self>, pushing: &Pushing, event_id: &str) -> Result<()> {
        let Some(pdu) = self.pdu(event_id)? else {
            return Ok(());
        };
        if now_millis().saturating_sub(pdu.origin_server_ts) > MAX_AGE_MS {
            return Ok(());
        }
        for delivery in self.push_deliveries(&pdu)? {
            let Ok(slot) = pushing.slots.clone().try_acquire_owned() else {
                tracing::warn!(user = %delivery.user, "too many pushes in flight: one dropped");
                continue;
            };
            let services = self.clone();
            let gateway = pushing.gateway.clone();
            tokio::spawn(async move {
                if let Err(e) = services.deliver(gateway.as_ref(), &delivery).await {
                    tracing::error!(error = %e, "push delivery");
                }
                drop(slot);
            });
        }
        Ok(())
    }

    async fn deliver(&self, gateway: &dyn PushGateway, delivery: &PushDelivery) -> Result<()> {
        for attempt in 1..=ATTEMPTS {
            match gateway.notify(&delivery.url, &delivery.body).await {
                Ok(rejected) => {
                    if rejected.contains(&delivery.pushkey) {
                        tracing::info!(user = %delivery.user, app_id = %delivery.app_id, "push gateway rejected the pushkey: pusher removed");
                        self.delete_pusher(&delivery.user, &delivery.app_id, &delivery.pushkey)?;
                    }
                    return Ok(());
                }
                Err(e) if attempt < ATTEMPTS => {
                    tracing::debug!(url = %delivery.url, attempt, "push failed: {e}");
                    tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
                }
                Err(e) => {
                    tracing::warn!(url = %delivery.url, "push dropped after {ATTEMPTS} attempts: {e}")
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
