//! Per-(user, room) notification counts kept between syncs, so each sync
//! only evaluates push rules for the events that arrived since the last one.

use std::{collections::HashMap, sync::Mutex};

/// Counts for events in (`read`, `upto`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UnreadCounts {
    /// Stream position of the user's read receipt the counts start after.
    pub read: u64,
    /// Last stream position included.
    pub upto: u64,
    pub notify: u64,
    pub highlight: u64,
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
            .copied()
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
