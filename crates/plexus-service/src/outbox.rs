//! The federation send queue, service side (issue #8): a persisted queue per
//! destination server (`federation_outbox`, keyed `(destination, seq)`), the
//! set of remote servers joined to each room (`federation_room_servers`), the
//! outbound EDUs the domain produces (typing, receipts, presence, device
//! lists, cross-signing keys, to-device), the application of EDUs received
//! from other servers, and the catch-up compaction of the queue of a
//! destination that stays unreachable (`catch_up.rs`).
//!
//! Items are enqueued in the same [`plexus_storage::Batch`] as the change
//! they announce, so a client's request returns only once the item is
//! durable. The sender (`plexus-federation::sender`) drains the queue.
//!
//! Waking the sender: an enqueue records the destination in a "woken" set.
//! The sender looks at that set whenever [`Outbox::notified`] fires (an
//! explicit [`Outbox::wake`], used after EDU writes) and whenever the global
//! stream moves (event writes publish their stream slot only after their
//! batch is written). Items enqueued but not yet read by the sender are
//! remembered for [`IN_FLIGHT_GRACE`]: while one is, an empty (or older)
//! read may precede its write, so the sender re-reads shortly
//! ([`Outbox::maybe_in_flight`]) instead of sleeping.

mod catch_up;
mod edus;
mod inbound;
mod queue;
mod servers;
#[cfg(test)]
mod tests;

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    sync::Mutex,
    time::{Duration, Instant},
};

use plexus_storage::Db;

use crate::{tables::Counters, Result};

pub use catch_up::MAX_BACKLOG_PDUS;
pub use inbound::{
    RemoteReceipt, RemoteToDevice, REMOTE_TYPING_TIMEOUT, TO_DEVICE_ID_RETENTION_MS,
};
pub use queue::{OutboxItem, Transaction, MAX_EDUS, MAX_PDUS};

const SEQ_RESERVATION_KEY: &str = "federation_outbox_reserved";
const SEQ_BLOCK: u64 = 10_000;
/// How long after an enqueue an empty queue may still be waiting for its write.
pub const IN_FLIGHT_GRACE: Duration = Duration::from_secs(2);

/// In-memory side of the queue: sequence numbers and wake-ups.
pub struct Outbox {
    /// (next sequence number, highest one persisted as reserved).
    seq: Mutex<(u64, u64)>,
    woken: Mutex<BTreeSet<String>>,
    /// Per destination: items enqueued in the last [`IN_FLIGHT_GRACE`] that
    /// the sender has not read yet (sequence number → when).
    unread: Mutex<HashMap<String, BTreeMap<u64, Instant>>>,
    notify: tokio::sync::Notify,
}

impl Outbox {
    /// Resumes after the highest reserved sequence number, so none is reused
    /// after a restart (they order items and name transactions).
    pub fn open(db: &Db) -> Result<Outbox> {
        let reserved = db
            .get::<Counters>(&SEQ_RESERVATION_KEY.to_owned())?
            .unwrap_or(0);
        Ok(Outbox {
            seq: Mutex::new((reserved + 1, reserved)),
            woken: Mutex::default(),
            unread: Mutex::default(),
            notify: tokio::sync::Notify::new(),
        })
    }

    /// The next sequence number (a reservation block is persisted first when needed).
    fn next_seq(&self, db: &Db) -> Result<u64> {
        let mut seq = self.seq.lock().expect("outbox seq lock poisoned");
        let next = seq.0;
        if next > seq.1 {
            let reserved = next + SEQ_BLOCK;
            db.put::<Counters>(&SEQ_RESERVATION_KEY.to_owned(), &reserved)?;
            seq.1 = reserved;
        }
        seq.0 += 1;
        Ok(next)
    }

    /// Records that `destination` has (or is about to have) item `seq`.
    fn mark(&self, destination: &str, seq: u64) {
        self.woken
            .lock()
            .expect("outbox wake lock poisoned")
            .insert(destination.to_owned());
        let mut unread = self.unread.lock().expect("outbox wake lock poisoned");
        let items = unread.entry(destination.to_owned()).or_default();
        items.retain(|_, at| at.elapsed() < IN_FLIGHT_GRACE);
        items.insert(seq, Instant::now());
    }

    /// The sender read these items of `destination`.
    pub fn observed(&self, destination: &str, seqs: &[u64]) {
        let mut unread = self.unread.lock().expect("outbox wake lock poisoned");
        if let Some(items) = unread.get_mut(destination) {
            seqs.iter().for_each(|seq| {
                items.remove(seq);
            });
        }
    }

    /// Wakes the sender now (call after the batch holding the items is written).
    pub fn wake(&self) {
        self.notify.notify_one();
    }

    /// Resolves at the next [`Outbox::wake`] (or at once if one is pending).
    pub async fn notified(&self) {
        self.notify.notified().await
    }

    /// Destinations with new items since the last call.
    pub fn take_woken(&self) -> Vec<String> {
        let mut woken = self.woken.lock().expect("outbox wake lock poisoned");
        std::mem::take(&mut *woken).into_iter().collect()
    }

    /// Whether an item of `destination` enqueued within [`IN_FLIGHT_GRACE`]
    /// has not been read ([`Outbox::observed`]): its write may not have
    /// landed yet, so an empty read should be retried shortly.
    pub fn maybe_in_flight(&self, destination: &str) -> bool {
        let mut unread = self.unread.lock().expect("outbox wake lock poisoned");
        let Some(items) = unread.get_mut(destination) else {
            return false;
        };
        items.retain(|_, at| at.elapsed() < IN_FLIGHT_GRACE);
        !items.is_empty()
    }
}
