//! Catch-up for a destination that stays unreachable. Its queue would grow
//! with every event of every room it shares, without end for a server that
//! is gone for good, and a server back after days would be fed its backlog
//! 50 PDUs at a time. So once a delivery fails with more than
//! [`MAX_BACKLOG_PDUS`] PDUs queued, the queue keeps only the newest PDU of
//! each room (the receiver fetches what it needs before it with
//! `/get_missing_events`, `/state_ids` and `/backfill`, as after any gap),
//! and drops the EDUs that matter only live (typing, presence). Everything
//! else (to-device messages, device-list and key updates, receipts) stays.

use std::collections::HashSet;

use plexus_storage::{Direction, Json};

use super::OutboxItem;
use crate::{tables::FederationOutbox, Result, Services};

/// PDUs a destination may have queued before a failed delivery compacts them.
pub const MAX_BACKLOG_PDUS: usize = 100;

/// EDU types worth nothing once their moment has passed.
const LIVE_ONLY_EDUS: &[&str] = &["m.typing", "m.presence"];

impl Services {
    /// Compacts `destination`'s queue if it holds more than
    /// [`MAX_BACKLOG_PDUS`] PDUs (see the module documentation); returns
    /// how many items were dropped. Call it only from the destination's
    /// sender task, between transactions.
    pub fn outbox_compact(&self, destination: &str) -> Result<usize> {
        let mut items = Vec::new();
        for row in self
            .db
            .scan::<FederationOutbox, _>(&(destination.to_owned(),), Direction::Forward)?
        {
            let ((_, seq), Json(item)) = row?;
            items.push((seq, item));
        }
        let pdus = items
            .iter()
            .filter(|(_, item)| matches!(item, OutboxItem::Pdu { .. }))
            .count();
        if pdus <= MAX_BACKLOG_PDUS {
            return Ok(0);
        }
        let dropped = self.superseded_items(&items)?;
        let mut batch = self.db.batch();
        for seq in &dropped {
            batch.delete::<FederationOutbox>(&(destination.to_owned(), *seq))?;
        }
        self.db.write(batch)?;
        Ok(dropped.len())
    }

    /// Sequence numbers of the PDUs that a newer PDU of the same room
    /// follows, and of live-only EDUs.
    fn superseded_items(&self, items: &[(u64, OutboxItem)]) -> Result<Vec<u64>> {
        let mut rooms_with_newer = HashSet::new();
        let mut dropped = Vec::new();
        for (seq, item) in items.iter().rev() {
            match item {
                OutboxItem::Pdu { event_id } => {
                    // An event without metadata cannot be placed: kept.
                    let Some(meta) = self.event_meta(event_id)? else {
                        continue;
                    };
                    if !rooms_with_newer.insert(meta.room_id) {
                        dropped.push(*seq);
                    }
                }
                OutboxItem::Edu { edu } => {
                    let kind = edu["edu_type"].as_str().unwrap_or_default();
                    if LIVE_ONLY_EDUS.contains(&kind) {
                        dropped.push(*seq);
                    }
                }
            }
        }
        dropped.reverse();
        Ok(dropped)
    }
}
