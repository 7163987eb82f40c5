//! Reading room state and membership, with the access rules of the
//! client API: members see current state; former members see the state
//! at the moment they left; anyone sees world-readable rooms.

use std::sync::Arc;

use plexus_core::Pdu;
use plexus_storage::{Direction, Json};
use ruma::{RoomId, UserId};

use crate::{
    tables::{EventMeta, RoomMembers, UserRooms},
    Result, ServiceError, Services,
};

/// Members named to a user for a room without a name (`m.heroes`).
const MAX_HEROES: usize = 5;

/// Who names an unnamed room for `user`: up to five other members, joined
/// first, then invited (the spec's `m.heroes`). Used by `/sync`, sliding
/// sync and the `send_join` answer.
pub(crate) fn hero_ids<'a>(
    joined: &'a [String],
    invited: &'a [String],
    user: &'a UserId,
) -> impl Iterator<Item = &'a String> {
    joined
        .iter()
        .chain(invited)
        .filter(move |member| *member != user.as_str())
        .take(MAX_HEROES)
}

/// A member as `/joined_members` lists them.
#[derive(Clone, Debug)]
pub struct Member {
    pub user_id: String,
    pub displayname: Option<String>,
    pub avatar_url: Option<String>,
}

impl Services {
    /// The state group the user may read: current while joined (or for
    /// world-readable rooms), the state at their leave otherwise.
    pub fn readable_state_group(&self, room_id: &RoomId, user: &UserId) -> Result<u64> {
        let room = self
            .room_record(room_id)?
            .ok_or_else(|| ServiceError::forbidden("you are not in this room"))?;
        match self.membership(room_id, user)? {
            Some(m) if m.membership == "join" => Ok(room.state_group),
            _ if self.history_visibility(room.state_group)? == "world_readable" => {
                Ok(room.state_group)
            }
            Some(m) if m.membership == "leave" || m.membership == "ban" => {
                let Json(meta) = self
                    .db
                    .get::<EventMeta>(&m.event_id)?
                    .ok_or_else(|| ServiceError::internal("membership event without metadata"))?;
                Ok(meta.state_after)
            }
            _ => Err(ServiceError::forbidden("you are not in this room")),
        }
    }

    pub fn room_state_for(&self, room_id: &RoomId, user: &UserId) -> Result<Vec<Arc<Pdu>>> {
        let group = self.readable_state_group(room_id, user)?;
        self.state_events_in_group(group)
    }

    pub fn room_state_event_for(
        &self,
        room_id: &RoomId,
        user: &UserId,
        kind: &str,
        state_key: &str,
    ) -> Result<Arc<Pdu>> {
        let group = self.readable_state_group(room_id, user)?;
        self.state_event_in_group(group, kind, state_key)?
            .ok_or_else(|| ServiceError::not_found("no such state event"))
    }

    /// The current state event of a room, without access checks (server-side use).
    pub fn current_state_event(
        &self,
        room_id: &RoomId,
        kind: &str,
        state_key: &str,
    ) -> Result<Option<Arc<Pdu>>> {
        match self.room_record(room_id)? {
            Some(room) => self.state_event_in_group(room.state_group, kind, state_key),
            None => Ok(None),
        }
    }

    pub fn history_visibility(&self, group: u64) -> Result<String> {
        Ok(self
            .state_event_in_group(group, "m.room.history_visibility", "")?
            .and_then(|p| p.content_str("history_visibility"))
            .unwrap_or_else(|| "shared".into()))
    }

    /// Rooms and memberships of a user, from the user index.
    pub fn user_memberships(
        &self,
        user: &UserId,
    ) -> Result<Vec<(String, crate::records::MembershipRecord)>> {
        self.db
            .scan::<UserRooms, _>(&(user.to_string(),), Direction::Forward)?
            .map(|row| {
                row.map_err(Into::into)
                    .map(|((_, room), Json(m))| (room, m))
            })
            .collect()
    }

    pub fn joined_rooms(&self, user: &UserId) -> Result<Vec<String>> {
        Ok(self
            .user_memberships(user)?
            .into_iter()
            .filter(|(_, m)| m.membership == "join")
            .map(|(room, _)| room)
            .collect())
    }

    /// Current members of a room with a given membership.
    pub fn room_members(&self, room_id: &RoomId, membership: &str) -> Result<Vec<String>> {
        Ok(self
            .db
            .scan::<RoomMembers, _>(&(room_id.to_string(),), Direction::Forward)?
            .filter_map(|row| row.ok())
            .filter(|(_, Json(m))| m.membership == membership)
            .map(|((_, user), _)| user)
            .collect())
    }

    pub fn joined_members(&self, room_id: &RoomId, user: &UserId) -> Result<Vec<Member>> {
        if !self.is_joined(room_id, user)? {
            return Err(ServiceError::forbidden("you are not in this room"));
        }
        let room = self
            .room_record(room_id)?
            .ok_or_else(|| ServiceError::not_found("unknown room"))?;
        self.room_members(room_id, "join")?
            .into_iter()
            .map(|member| {
                let event =
                    self.state_event_in_group(room.state_group, "m.room.member", &member)?;
                Ok(Member {
                    displayname: event.as_ref().and_then(|e| e.content_str("displayname")),
                    avatar_url: event.as_ref().and_then(|e| e.content_str("avatar_url")),
                    user_id: member,
                })
            })
            .collect()
    }

    /// Member events of a room as `/members` returns them (optionally at a stream position).
    pub fn member_events(
        &self,
        room_id: &RoomId,
        user: &UserId,
        at: Option<u64>,
        membership: Option<&str>,
        not_membership: Option<&str>,
    ) -> Result<Vec<Arc<Pdu>>> {
        let mut group = self.readable_state_group(room_id, user)?;
        if let Some(at) = at {
            group = self
                .state_group_at_stream(room_id, at)?
                .min_by_access(group);
        }
        let events = self.state_events_in_group(group)?;
        Ok(events
            .into_iter()
            .filter(|e| e.kind.to_string() == "m.room.member")
            .filter(|e| {
                let m = e.content_str("membership").unwrap_or_default();
                membership.is_none_or(|want| want == m) && not_membership.is_none_or(|not| not != m)
            })
            .collect())
    }

    /// The state group after the last room event at or before `stream`.
    pub fn state_group_at_stream(&self, room_id: &RoomId, stream: u64) -> Result<GroupAt> {
        let start = (room_id.to_string(), stream).encode_key();
        let mut rows = self.db.scan_from::<crate::tables::RoomTimeline, _>(
            &(room_id.to_string(),),
            Some(&start),
            Direction::Backward,
        )?;
        match rows.next() {
            Some(row) => {
                let (_, event_id) = row?;
                let meta = self
                    .db
                    .get::<EventMeta>(&event_id)?
                    .ok_or_else(|| ServiceError::internal("timeline event without metadata"))?;
                Ok(GroupAt(meta.0.state_after))
            }
            None => Ok(GroupAt(0)),
        }
    }
}

/// A state group found by stream position.
pub struct GroupAt(pub u64);

impl GroupAt {
    /// An earlier point than the user may read is fine; a later one is not.
    fn min_by_access(self, readable: u64) -> u64 {
        if self.0 == 0 {
            readable
        } else {
            self.0.min(readable)
        }
    }
}

trait EncodeKey {
    fn encode_key(&self) -> Vec<u8>;
}

impl EncodeKey for (String, u64) {
    fn encode_key(&self) -> Vec<u8> {
        plexus_storage::KeyCodec::encode(self)
    }
}
