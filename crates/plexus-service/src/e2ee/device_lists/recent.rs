//! Membership changes in a stream range, read from the global stream
//! (`StreamEvents`) in one pass instead of opening the timeline of every
//! room the user is in: an incremental sync usually covers a few events in
//! a few rooms, and a user may be in hundreds. The answer is the one the
//! per-room walk ([`Services::members_changed_in`]) gives, limit included;
//! a range holding many events falls back to that walk.

use std::collections::{BTreeSet, HashMap, HashSet};

use plexus_storage::{Direction, Json, KeyCodec};
use ruma::events::TimelineEventType;

use super::{MemberRow, TIMELINE_WALK_LIMIT};
use crate::{
    tables::{RoomMembers, StreamEvents},
    Result, Services,
};

#[cfg(test)]
mod tests;

/// Events in the range past which the global stream is not read (each
/// room's timeline is walked instead, as before).
const STREAM_READ_LIMIT: usize = 1_000;

/// The events of a stream range in the rooms asked about, by room.
#[derive(Debug, Default)]
pub(super) struct RecentEvents {
    rooms: HashMap<String, RecentRoom>,
}

/// One room's events in the range: how many, and whose membership they set.
#[derive(Debug, Default)]
struct RecentRoom {
    events: usize,
    members: BTreeSet<String>,
}

impl Services {
    /// The events in (since, current] of `rooms`, or `None` when the range
    /// holds more than [`STREAM_READ_LIMIT`] events of any room.
    pub(super) fn recent_events(
        &self,
        rooms: &HashSet<&str>,
        since: u64,
        current: u64,
    ) -> Result<Option<RecentEvents>> {
        self.recent_events_within(rooms, since, current, STREAM_READ_LIMIT)
    }

    fn recent_events_within(
        &self,
        rooms: &HashSet<&str>,
        since: u64,
        current: u64,
        limit: usize,
    ) -> Result<Option<RecentEvents>> {
        let start = since.saturating_add(1).encode();
        let mut recent = RecentEvents::default();
        let scan = self
            .db
            .scan_from::<StreamEvents, _>(&(), Some(&start), Direction::Forward)?;
        for (read, row) in scan.enumerate() {
            let (stream, Json((room, event_id))) = row?;
            if stream > current {
                break;
            }
            if read >= limit {
                return Ok(None);
            }
            if !rooms.contains(room.as_str()) {
                continue;
            }
            let entry = recent.rooms.entry(room).or_default();
            entry.events += 1;
            let Some(pdu) = self.pdu(&event_id)? else {
                continue;
            };
            if pdu.kind == TimelineEventType::RoomMember {
                entry.members.extend(pdu.state_key.clone());
            }
        }
        Ok(Some(recent))
    }

    /// Membership rows of `room` that may have changed in (since, current]:
    /// from `recent` when the stream was read, else by walking the timeline.
    pub(super) fn members_changed(
        &self,
        recent: Option<&RecentEvents>,
        room: &str,
        since: u64,
        current: u64,
    ) -> Result<Vec<MemberRow>> {
        let Some(recent) = recent else {
            return self.members_changed_in(room, since, current);
        };
        let Some(events) = recent.rooms.get(room) else {
            return Ok(vec![]);
        };
        if events.events > TIMELINE_WALK_LIMIT {
            return self.members_of(room);
        }
        let mut rows = Vec::with_capacity(events.members.len());
        for member in &events.members {
            let key = (room.to_owned(), member.clone());
            if let Some(record) = self.db.get::<RoomMembers>(&key)? {
                rows.push((key, record));
            }
        }
        Ok(rows)
    }
}
