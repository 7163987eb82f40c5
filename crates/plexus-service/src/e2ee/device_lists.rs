//! Device-list tracking: which users' device or cross-signing keys changed
//! in a stream range, as seen by one user (for `/sync` `device_lists` and
//! `/keys/changes`). A key change is a row `E2eKeyChanges[position] = user`;
//! sharing a room is read from current memberships.

mod recent;

use std::collections::{BTreeSet, HashSet};

use plexus_storage::{Batch, Direction, Json, KeyCodec};
use ruma::UserId;

use crate::{
    records::MembershipRecord,
    tables::{E2eKeyChanges, RoomMembers, UserRooms},
    Result, Services,
};

/// New events of a room walked to find membership changes before reading all members instead.
pub(crate) const TIMELINE_WALK_LIMIT: usize = 200;

/// A row of `room_members`: ((room, user), membership).
type MemberRow = ((String, String), Json<MembershipRecord>);

/// Users to refetch keys for, and users no longer sharing any room.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DeviceListChanges {
    pub changed: Vec<String>,
    pub left: Vec<String>,
}

/// Records in `batch` that `user`'s keys changed at stream `position`.
pub(crate) fn note_key_change(batch: &mut Batch<'_>, position: u64, user: &str) -> Result<()> {
    batch.put::<E2eKeyChanges>(&position, &user.to_owned())?;
    Ok(())
}

impl Services {
    /// Whether `other` is joined to one of `rooms` (the syncing user's joined rooms).
    /// Checked per candidate, so the cost follows the few users whose keys
    /// changed, not the size of the user's rooms.
    fn joined_to_any(&self, other: &str, rooms: &BTreeSet<String>) -> Result<bool> {
        for row in self
            .db
            .scan::<UserRooms, _>(&(other.to_owned(),), Direction::Forward)?
        {
            let ((_, room), Json(m)) = row?;
            if m.membership == "join" && rooms.contains(&room) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn members_of(&self, room: &str) -> Result<Vec<MemberRow>> {
        Ok(self
            .db
            .scan::<RoomMembers, _>(&(room.to_owned(),), Direction::Forward)?
            .collect::<Result<_, _>>()?)
    }

    /// Users whose keys `user` should refetch after `since`, up to `current`.
    /// Cheap when nothing happened: room sharing is only checked for users
    /// whose keys changed or who left.
    pub fn device_list_changes(
        &self,
        user: &UserId,
        since: u64,
        current: u64,
    ) -> Result<DeviceListChanges> {
        let key_changes = self.key_changes_between(since, current)?;
        let (mut changed, left_candidates) = self.membership_changes(user, since, current)?;
        if key_changes.is_empty() && left_candidates.is_empty() {
            return Ok(DeviceListChanges {
                changed: changed.into_iter().collect(),
                left: vec![],
            });
        }
        let rooms: BTreeSet<String> = self.joined_rooms(user)?.into_iter().collect();
        for other in key_changes {
            if other == user.as_str() || self.joined_to_any(&other, &rooms)? {
                changed.insert(other);
            }
        }
        let mut left = Vec::new();
        for other in left_candidates {
            if !self.joined_to_any(&other, &rooms)? {
                left.push(other);
            }
        }
        Ok(DeviceListChanges {
            changed: changed.into_iter().filter(|u| !left.contains(u)).collect(),
            left,
        })
    }

    /// From memberships changed in (since, current] in the user's rooms: users
    /// newly sharing a room (whose devices may never have been fetched) and
    /// users who may no longer share any.
    fn membership_changes(
        &self,
        user: &UserId,
        since: u64,
        current: u64,
    ) -> Result<(BTreeSet<String>, BTreeSet<String>)> {
        let in_range = |stream: u64| stream > since && stream <= current;
        let (mut joined, mut left) = (BTreeSet::new(), BTreeSet::new());
        let memberships = self.user_memberships(user)?;
        let joined_rooms: HashSet<&str> = memberships
            .iter()
            .filter(|(_, own)| own.membership == "join")
            .map(|(room, _)| room.as_str())
            .collect();
        let recent = self.recent_events(&joined_rooms, since, current)?;
        for (room, own) in &memberships {
            let own_changed = in_range(own.stream);
            let rows = if own_changed {
                self.members_of(room)? // we met or left everyone in it
            } else if own.membership == "join" {
                self.members_changed(recent.as_ref(), room, since, current)?
            } else {
                continue;
            };
            for ((_, member), Json(m)) in rows {
                if member == user.as_str() || !(own_changed || in_range(m.stream)) {
                    continue;
                }
                if own.membership == "join" && m.membership == "join" {
                    joined.insert(member);
                } else {
                    left.insert(member);
                }
            }
        }
        Ok((joined, left))
    }

    /// Membership rows of a room that may have changed in (since, current].
    /// An incremental sync usually covers a few new events: walking them (the
    /// PDUs are cached, sync just rendered them) is cheaper than reading every
    /// member of a large room. Past [`TIMELINE_WALK_LIMIT`] events, all members are read.
    fn members_changed_in(&self, room: &str, since: u64, current: u64) -> Result<Vec<MemberRow>> {
        let Ok(room_id) = ruma::RoomId::parse(room) else {
            return Ok(vec![]);
        };
        let mut members = BTreeSet::new();
        for (walked, row) in self
            .timeline_scan(&room_id, current, Direction::Backward)?
            .enumerate()
        {
            let (stream, event_id) = row?;
            if stream <= since {
                break;
            }
            if walked >= TIMELINE_WALK_LIMIT {
                return self.members_of(room);
            }
            let Some(pdu) = self.pdu(&event_id)? else {
                continue;
            };
            if pdu.kind == ruma::events::TimelineEventType::RoomMember {
                members.extend(pdu.state_key.clone());
            }
        }
        let mut rows = Vec::with_capacity(members.len());
        for member in members {
            let key = (room.to_owned(), member);
            if let Some(record) = self.db.get::<RoomMembers>(&key)? {
                rows.push((key, record));
            }
        }
        Ok(rows)
    }

    /// Users whose keys changed at a position in (since, current].
    fn key_changes_between(&self, since: u64, current: u64) -> Result<BTreeSet<String>> {
        let start = (since + 1).encode();
        let mut changed = BTreeSet::new();
        for row in self
            .db
            .scan_from::<E2eKeyChanges, _>(&(), Some(&start), Direction::Forward)?
        {
            let (position, user) = row?;
            if position > current {
                break;
            }
            changed.insert(user);
        }
        Ok(changed)
    }
}
