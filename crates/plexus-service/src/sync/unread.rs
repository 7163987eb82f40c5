//! Per-(user, room) notification counts kept between syncs, so each sync
//! only evaluates push rules for the events that arrived since the last one.
//!
//! Counts are partitioned by thread (spec: "Marking notifications as read",
//! threaded read receipts): an event is read when it is at or before the
//! user's unthreaded receipt, or at or before the receipt of its own thread
//! (`main` for the main timeline, else the thread root's event ID). Both
//! `m.read` and `m.read.private` count, whichever is further ahead.

use std::{
    collections::{BTreeMap, HashMap},
    sync::Mutex,
};

use plexus_storage::{Direction, Json};
use ruma::{push::Action, RoomId, UserId};

use crate::{relations::MAIN_THREAD, tables::Receipts, Result, Services};

/// Notifying events scanned per computation (the counts catch up over later syncs).
const MAX_UNREAD_SCAN: usize = 1_000;

/// Where a user has read up to in a room.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadMarkers {
    /// Stream position of the unthreaded receipt (the join when there is
    /// none): every event up to it is read.
    pub unthreaded: u64,
    /// Thread ID (`main` or a root's event ID) → its receipt's stream position.
    pub threads: BTreeMap<String, u64>,
}

impl ReadMarkers {
    fn is_read(&self, thread: &str, stream: u64) -> bool {
        stream <= self.unthreaded || self.threads.get(thread).is_some_and(|&p| stream <= p)
    }
}

/// Counts for events in (`markers.unthreaded`, `upto`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UnreadCounts {
    /// The receipts the counts were computed against.
    pub markers: ReadMarkers,
    /// Last stream position included.
    pub upto: u64,
    /// Totals over the room, every thread included.
    pub notify: u64,
    pub highlight: u64,
    /// Thread ID (`main` or a root's event ID) → (notifications,
    /// highlights); threads with nothing unread are absent.
    pub threads: BTreeMap<String, (u64, u64)>,
}

/// Bounded: past the limit it starts over, which only costs a rescan.
const MAX_ENTRIES: usize = 100_000;

#[derive(Default)]
pub struct UnreadCache {
    entries: Mutex<HashMap<(String, String), UnreadCounts>>,
}

impl UnreadCache {
    pub fn get(&self, key: &(String, String)) -> Option<UnreadCounts> {
        self.entries
            .lock()
            .expect("unread cache poisoned")
            .get(key)
            .cloned()
    }

    pub fn put(&self, key: (String, String), counts: UnreadCounts) {
        let mut entries = self.entries.lock().expect("unread cache poisoned");
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key, counts);
    }

    /// Forgets a user's counts (their push rules changed).
    pub fn forget_user(&self, user: &str) {
        self.entries
            .lock()
            .expect("unread cache poisoned")
            .retain(|(u, _), _| u != user);
    }
}

impl Services {
    /// The counts behind `unread_notifications` (and, per thread,
    /// `unread_thread_notifications`) for a user who joined at `joined_at`.
    /// Kept per (user, room) and extended by the events since the last
    /// computation; a moved receipt starts over.
    pub(crate) fn unread_counts(
        &self,
        room_id: &RoomId,
        user: &UserId,
        joined_at: u64,
    ) -> Result<UnreadCounts> {
        let markers = self.read_markers(room_id, user, joined_at)?;
        let upto = self
            .room_record(room_id)?
            .map_or(markers.unthreaded, |r| r.last_stream);
        let key = (user.to_string(), room_id.to_string());
        let cached = self
            .unread_cache
            .get(&key)
            .filter(|c| c.markers == markers && c.upto <= upto);
        let mut counts = cached.unwrap_or_else(|| UnreadCounts {
            upto: markers.unthreaded,
            markers,
            ..Default::default()
        });
        if counts.upto < upto {
            self.add_thread_counts(room_id, user, &mut counts, upto)?;
        }
        self.unread_cache.put(key, counts.clone());
        Ok(counts)
    }

    /// The user's read receipts in a room, as stream positions.
    pub(crate) fn read_markers(
        &self,
        room_id: &RoomId,
        user: &UserId,
        joined_at: u64,
    ) -> Result<ReadMarkers> {
        let mut unthreaded = None;
        let mut threads = BTreeMap::new();
        for kind in ["m.read", "m.read.private"] {
            let prefix = (room_id.to_string(), kind.to_owned(), user.to_string());
            for row in self.db.scan::<Receipts, _>(&prefix, Direction::Forward)? {
                let ((_, _, _, thread), Json(receipt)) = row?;
                let Some(meta) = self.event_meta(&receipt.event_id)? else {
                    continue;
                };
                let slot = match thread.is_empty() {
                    true => unthreaded.get_or_insert(0),
                    false => threads.entry(thread).or_insert(0),
                };
                *slot = (*slot).max(meta.stream);
            }
        }
        Ok(ReadMarkers {
            unthreaded: unthreaded.unwrap_or(joined_at),
            threads,
        })
    }

    /// Adds the unread notifying events in (`counts.upto`, `upto`] to `counts`.
    fn add_thread_counts(
        &self,
        room_id: &RoomId,
        user: &UserId,
        counts: &mut UnreadCounts,
        upto: u64,
    ) -> Result<()> {
        let ruleset = self.push_ruleset(user)?;
        let ctx = self.push_context(room_id, user)?;
        let (mut last, mut cut_short) = (counts.upto, false);
        for (scanned, row) in self
            .timeline_scan(room_id, counts.upto, Direction::Forward)?
            .enumerate()
        {
            let (stream, event_id) = row?;
            if stream > upto {
                break;
            }
            if scanned >= MAX_UNREAD_SCAN {
                // The next sync resumes after the last event counted.
                cut_short = true;
                break;
            }
            last = stream;
            let Some((pdu, _)) = self.visible_event(user, &event_id)? else {
                continue;
            };
            let actions = self.push_actions(&ruleset, &ctx, &pdu)?;
            if !actions.iter().any(Action::should_notify) {
                continue;
            }
            let thread = self
                .thread_of(&pdu)?
                .unwrap_or_else(|| MAIN_THREAD.to_owned());
            if counts.markers.is_read(&thread, stream) {
                continue;
            }
            let highlight = u64::from(actions.iter().any(Action::is_highlight));
            let entry = counts.threads.entry(thread).or_default();
            entry.0 += 1;
            entry.1 += highlight;
            counts.notify += 1;
            counts.highlight += highlight;
        }
        counts.upto = if cut_short { last } else { upto };
        Ok(())
    }
}

#[cfg(test)]
mod tests;
