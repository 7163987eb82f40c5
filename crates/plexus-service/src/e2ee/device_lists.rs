//! Device-list tracking: which users' device or cross-signing keys changed
//! in a stream range, as seen by one user (for `/sync` `device_lists` and
//! `/keys/changes`). A key change is a row `E2eKeyChanges[position] = user`;
//! sharing a room is read from current memberships.

use std::collections::BTreeSet;

use plexus_storage::{Batch, Direction, Json, KeyCodec};
use ruma::UserId;

use crate::{
    records::MembershipRecord,
    tables::{E2eKeyChanges, RoomMembers},
    Result, Services,
};

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
    /// Joined members of every room `user` is joined to (the user included).
    pub fn users_sharing_rooms(&self, user: &UserId) -> Result<BTreeSet<String>> {
        let mut members = BTreeSet::from([user.to_string()]);
        for room in self.joined_rooms(user)? {
            for ((_, member), Json(m)) in self.members_of(&room)? {
                if m.membership == "join" {
                    members.insert(member);
                }
            }
        }
        Ok(members)
    }

    fn members_of(&self, room: &str) -> Result<Vec<MemberRow>> {
        Ok(self
            .db
            .scan::<RoomMembers, _>(&(room.to_owned(),), Direction::Forward)?
            .collect::<Result<_, _>>()?)
    }

    /// Users whose keys `user` should refetch after `since`, up to `current`.
    pub fn device_list_changes(
        &self,
        user: &UserId,
        since: u64,
        current: u64,
    ) -> Result<DeviceListChanges> {
        let sharing = self.users_sharing_rooms(user)?;
        let mut changed = self.key_changes_between(since, current, &sharing)?;
        let mut left_candidates = BTreeSet::new();
        let in_range = |stream: u64| stream > since && stream <= current;
        for (room, own) in self.user_memberships(user)? {
            let own_changed = in_range(own.stream);
            if own.membership != "join" && !own_changed {
                continue;
            }
            for ((_, member), Json(m)) in self.members_of(&room)? {
                if member == user.as_str() || !(own_changed || in_range(m.stream)) {
                    continue;
                }
                // Whoever joins (or whom we newly meet) may have devices we never fetched;
                // whoever leaves (or whom we left) may no longer be visible at all.
                if own.membership == "join" && m.membership == "join" {
                    changed.insert(member);
                } else {
                    left_candidates.insert(member);
                }
            }
        }
        let left: Vec<String> = left_candidates
            .into_iter()
            .filter(|u| !sharing.contains(u))
            .collect();
        Ok(DeviceListChanges {
            changed: changed.into_iter().filter(|u| !left.contains(u)).collect(),
            left,
        })
    }

    /// Users in `visible` whose keys changed at a position in (since, current].
    fn key_changes_between(
        &self,
        since: u64,
        current: u64,
        visible: &BTreeSet<String>,
    ) -> Result<BTreeSet<String>> {
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
            if visible.contains(&user) {
                changed.insert(user);
            }
        }
        Ok(changed)
    }
}
