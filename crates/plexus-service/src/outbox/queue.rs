//! The persisted per-destination queue: enqueue (in the caller's batch),
//! peek a transaction's worth in order, acknowledge what was delivered.

use plexus_storage::{Batch, Direction, Json, KeyCodec};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{tables::FederationOutbox, Result, Services};

/// Most PDUs in one transaction (spec limit).
pub const MAX_PDUS: usize = 50;
/// Most EDUs in one transaction (spec limit).
pub const MAX_EDUS: usize = 100;

/// One queued item for a destination.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OutboxItem {
    /// A room event, sent as its stored signed JSON.
    Pdu { event_id: String },
    /// An EDU, `{edu_type, content}`, sent as is.
    Edu { edu: Value },
}

/// The next items of a destination, in queue order, within the transaction limits.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Transaction {
    /// Sequence numbers of every item read (to acknowledge them exactly).
    pub seqs: Vec<u64>,
    /// Event IDs of the PDUs, in order.
    pub pdus: Vec<String>,
    /// The EDUs, in order.
    pub edus: Vec<Value>,
}

impl Transaction {
    pub fn is_empty(&self) -> bool {
        self.seqs.is_empty()
    }

    /// A transaction ID that is the same for a retry of the same items and
    /// never repeats otherwise: sequence numbers are never reused.
    pub fn txn_id(&self) -> String {
        let first = self.seqs.first().copied().unwrap_or(0);
        let last = self.seqs.last().copied().unwrap_or(0);
        format!("{first}-{last}-{}", self.seqs.len())
    }
}

impl Services {
    /// Queues `item` for each destination in `batch` (ourselves excepted).
    pub fn outbox_enqueue<'d>(
        &self,
        batch: &mut Batch<'_>,
        destinations: impl IntoIterator<Item = &'d str>,
        item: &OutboxItem,
    ) -> Result<()> {
        let ours = self.server_name().as_str();
        for destination in destinations {
            if destination == ours {
                continue;
            }
            let seq = self.outbox.next_seq(&self.db)?;
            batch.put::<FederationOutbox>(&(destination.to_owned(), seq), &Json(item.clone()))?;
            self.outbox.mark(destination, seq);
        }
        Ok(())
    }

    /// The oldest items of `destination`: a prefix of its queue holding at
    /// most [`MAX_PDUS`] PDUs and [`MAX_EDUS`] EDUs.
    pub fn outbox_peek(&self, destination: &str) -> Result<Transaction> {
        let mut txn = Transaction::default();
        for row in self
            .db
            .scan::<FederationOutbox, _>(&(destination.to_owned(),), Direction::Forward)?
        {
            let ((_, seq), Json(item)) = row?;
            match item {
                OutboxItem::Pdu { .. } if txn.pdus.len() == MAX_PDUS => break,
                OutboxItem::Edu { .. } if txn.edus.len() == MAX_EDUS => break,
                OutboxItem::Pdu { event_id } => txn.pdus.push(event_id),
                OutboxItem::Edu { edu } => txn.edus.push(edu),
            }
            txn.seqs.push(seq);
        }
        Ok(txn)
    }

    /// Deletes delivered items, in one batch. Exact sequence numbers, not a
    /// range: an item whose write landed after the peek keeps its place.
    pub fn outbox_ack(&self, destination: &str, seqs: &[u64]) -> Result<()> {
        let mut batch = self.db.batch();
        for seq in seqs {
            batch.delete::<FederationOutbox>(&(destination.to_owned(), *seq))?;
        }
        self.db.write(batch)?;
        Ok(())
    }

    /// Every destination with queued items (one seek per destination).
    pub fn outbox_destinations(&self) -> Result<Vec<String>> {
        let mut destinations = Vec::new();
        let mut start: Option<Vec<u8>> = None;
        loop {
            let mut scan = self.db.scan_from::<FederationOutbox, _>(
                &(),
                start.as_deref(),
                Direction::Forward,
            )?;
            let Some(row) = scan.next() else {
                return Ok(destinations);
            };
            let ((destination, _), _) = row?;
            start = Some(past_prefix(&(destination.clone(),)));
            destinations.push(destination);
        }
    }
}

/// A seek key after every key that starts with `prefix`: what follows the
/// prefix is an encoded string (UTF-8 never holds `0xFF`) or an 8-byte `u64`.
pub(crate) fn past_prefix(prefix: &impl KeyCodec) -> Vec<u8> {
    let mut key = prefix.encode();
    key.extend_from_slice(&[0xFF; 9]);
    key
}
