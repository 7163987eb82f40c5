//! The rooms a connection can list, newest first by `bump_stamp`: the
//! stream position of the room's latest event of a type that bumps it
//! (messages, encrypted events, stickers, calls, polls, live locations,
//! the create event, and the user's own membership). The room's part is kept
//! in `RoomBumpStamps` as events are appended, so a request reads one small
//! value per room instead of walking timelines.

use std::collections::HashSet;

use plexus_core::Pdu;
use plexus_storage::{Batch, Direction};
use ruma::{RoomId, UserId};

use super::connection::Position;
use crate::{records::MembershipRecord, tables::RoomBumpStamps, Result, Services};

const BUMP_TYPES: &[&str] = &[
    "m.room.create",
    "m.room.message",
    "m.room.encrypted",
    "m.sticker",
    "m.call.invite",
    "m.poll.start",
    "org.matrix.msc3381.poll.start",
    "m.beacon_info",
    "org.matrix.msc3672.beacon_info",
];

/// Events looked at per room for its bump stamp; past this the oldest
/// looked-at event stands in (a room buried under reactions still sorts
/// near its true place).
const MAX_BUMP_SCAN: usize = 200;

/// A room the user may see in a list.
#[derive(Clone, Debug)]
pub(crate) struct Candidate {
    pub room: String,
    pub membership: MembershipRecord,
    pub bump_stamp: u64,
}

impl Candidate {
    pub(crate) fn is_invite_or_knock(&self) -> bool {
        matches!(self.membership.membership.as_str(), "invite" | "knock")
    }
}

impl Services {
    /// Joined, invited and knocked rooms, plus rooms left or banned from
    /// since the client last heard of them (so it learns of the leave);
    /// forgotten rooms and invites from ignored users are left out. A joined
    /// room is never forgotten (the join clears the mark in its own batch,
    /// see `index_membership`), so only the few other rooms are looked up:
    /// every join leaves a deleted mark behind, which a scan would wade through.
    pub(crate) fn sliding_candidates(
        &self,
        user: &UserId,
        prev: Option<&Position>,
        ignored: &HashSet<String>,
    ) -> Result<Vec<Candidate>> {
        let mut candidates = Vec::new();
        for (room, membership) in self.user_memberships(user)? {
            if membership.membership != "join" && self.is_forgotten(user, &room)? {
                continue;
            }
            let listed = match membership.membership.as_str() {
                "join" | "knock" => true,
                "invite" => !self.invited_by_ignored(&membership.event_id, ignored)?,
                "leave" | "ban" => prev
                    .and_then(|p| p.rooms.get(&room))
                    .is_some_and(|sent| sent.membership != membership.membership),
                _ => false,
            };
            if listed {
                let bump_stamp = self.bump_stamp(&room, user, &membership)?;
                candidates.push(Candidate {
                    room,
                    membership,
                    bump_stamp,
                });
            }
        }
        candidates.sort_by(|a, b| b.bump_stamp.cmp(&a.bump_stamp).then(a.room.cmp(&b.room)));
        Ok(candidates)
    }

    /// A joined room's stamp is the room's latest bumping event (kept on
    /// append) or the user's own latest membership event, whichever
    /// is newer. Rooms without the kept value, and rooms left or banned from
    /// (read up to the leave), are scanned.
    pub(super) fn bump_stamp(
        &self,
        room: &str,
        user: &UserId,
        membership: &MembershipRecord,
    ) -> Result<u64> {
        let upto = match membership.membership.as_str() {
            "join" => u64::MAX,
            "leave" | "ban" => membership.stream,
            _ => return Ok(membership.stream),
        };
        if upto == u64::MAX {
            if let Some(stamp) = self.db.get::<RoomBumpStamps>(&room.to_owned())? {
                return Ok(stamp.max(membership.stream));
            }
        }
        self.scanned_bump_stamp(room, user, membership, upto)
    }

    /// The newest bumping event (or own membership event) at or before `upto`,
    /// found by walking the room's timeline back.
    fn scanned_bump_stamp(
        &self,
        room: &str,
        user: &UserId,
        membership: &MembershipRecord,
        upto: u64,
    ) -> Result<u64> {
        let Ok(room_id) = RoomId::parse(room) else {
            return Ok(membership.stream);
        };
        let mut oldest = membership.stream;
        for row in self
            .timeline_scan(&room_id, upto, Direction::Backward)?
            .take(MAX_BUMP_SCAN)
        {
            let (stream, event_id) = row?;
            oldest = stream;
            let Some(pdu) = self.pdu(&event_id)? else {
                continue;
            };
            let kind = pdu.kind.to_string();
            let own_membership =
                kind == "m.room.member" && pdu.state_key.as_deref() == Some(user.as_str());
            if own_membership || bumps(&kind) {
                return Ok(stream);
            }
        }
        Ok(oldest)
    }
}

/// Whether an event of this type moves its room up the lists (for everyone;
/// a member event moves it only for its own user, see [`Services::bump_stamp`]).
fn bumps(kind: &str) -> bool {
    BUMP_TYPES.contains(&kind)
}

impl Services {
    /// Keeps the room's bump stamp current as `pdu` is appended at `stream`,
    /// in the batch that appends it.
    pub(crate) fn note_bump(&self, batch: &mut Batch<'_>, pdu: &Pdu, stream: u64) -> Result<()> {
        if bumps(&pdu.kind.to_string()) {
            batch.put::<RoomBumpStamps>(&pdu.room_id.to_string(), &stream)?;
        }
        Ok(())
    }
}

/// The rooms at the positions the (inclusive) ranges cover; all without ranges.
pub(crate) fn in_ranges<'a>(
    ranges: Option<&[(u64, u64)]>,
    rooms: &[&'a Candidate],
) -> Vec<&'a Candidate> {
    let Some(ranges) = ranges else {
        return rooms.to_vec();
    };
    rooms
        .iter()
        .enumerate()
        .filter(|(index, _)| {
            let index = *index as u64;
            ranges
                .iter()
                .any(|(start, end)| *start <= index && index <= *end)
        })
        .map(|(_, c)| *c)
        .collect()
}

#[cfg(test)]
mod tests;
