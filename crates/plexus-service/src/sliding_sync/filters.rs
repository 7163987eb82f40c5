//! List filters (`is_dm`, `is_encrypted`, `is_invite`, `room_types`,
//! `not_room_types`, `spaces`, `tags`, `not_tags`) and the room facts they
//! read: current state for rooms the user is or was in, the stripped
//! state of the invite or knock otherwise.

use std::collections::HashSet;

use ruma::{RoomId, UserId};
use serde_json::Value;

use super::{lists::Candidate, request::ListFilters};
use crate::{Result, Services};

/// Per-request facts shared by every list.
pub(crate) struct FilterFacts {
    /// Rooms named in the user's `m.direct` account data.
    pub dm_rooms: HashSet<String>,
}

impl Services {
    pub(crate) fn filter_facts(&self, user: &UserId) -> Result<FilterFacts> {
        let direct = self
            .account_data(user, None, "m.direct")
            .unwrap_or_default();
        let dm_rooms = direct
            .as_object()
            .into_iter()
            .flat_map(|users| users.values())
            .filter_map(Value::as_array)
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        Ok(FilterFacts { dm_rooms })
    }

    /// The content of a room's state event (empty state key) as the user sees it:
    /// stripped state for invites and knocks, the state at the leave for former members.
    pub(crate) fn candidate_state(&self, cand: &Candidate, kind: &str) -> Result<Option<Value>> {
        if cand.is_invite_or_knock() {
            let stripped = self.stripped_state(&cand.room, &cand.membership.event_id)?;
            return Ok(stripped
                .into_iter()
                .find(|e| e["type"] == kind && e["state_key"] == "")
                .map(|e| e["content"].clone()));
        }
        let Ok(room_id) = RoomId::parse(&cand.room) else {
            return Ok(None);
        };
        let event = match cand.membership.membership.as_str() {
            // A former member sees the room as it was when they left.
            "leave" | "ban" => match self.event_meta(&cand.membership.event_id)? {
                Some(meta) => self.state_event_in_group(meta.state_after, kind, "")?,
                None => None,
            },
            _ => self.current_state_event(&room_id, kind, "")?,
        };
        Ok(event.map(|pdu| pdu.content_value()))
    }

    /// A DM per `m.direct`, or an invite marked `is_direct`.
    pub(crate) fn candidate_is_dm(&self, cand: &Candidate, facts: &FilterFacts) -> Result<bool> {
        if facts.dm_rooms.contains(&cand.room) {
            return Ok(true);
        }
        if cand.membership.membership != "invite" {
            return Ok(false);
        }
        Ok(self
            .pdu(&cand.membership.event_id)?
            .is_some_and(|pdu| pdu.content_value()["is_direct"] == true))
    }

    /// Whether a room passes every filter of a list.
    pub(crate) fn passes_filters(
        &self,
        user: &UserId,
        cand: &Candidate,
        filters: &ListFilters,
        facts: &FilterFacts,
        space_children: &HashSet<String>,
    ) -> Result<bool> {
        if let Some(want) = filters.is_invite {
            if (cand.membership.membership == "invite") != want {
                return Ok(false);
            }
        }
        if let Some(want) = filters.is_dm {
            if self.candidate_is_dm(cand, facts)? != want {
                return Ok(false);
            }
        }
        if let Some(want) = filters.is_encrypted {
            if self.candidate_state(cand, "m.room.encryption")?.is_some() != want {
                return Ok(false);
            }
        }
        if !filters.spaces.is_empty() && !space_children.contains(&cand.room) {
            return Ok(false);
        }
        Ok(self.passes_room_type(cand, filters)? && self.passes_tags(user, cand, filters)?)
    }

    fn passes_room_type(&self, cand: &Candidate, filters: &ListFilters) -> Result<bool> {
        if filters.room_types.is_empty() && filters.not_room_types.is_empty() {
            return Ok(true);
        }
        let create = self.candidate_state(cand, "m.room.create")?;
        let room_type = create.and_then(|c| c["type"].as_str().map(str::to_owned));
        if filters.not_room_types.contains(&room_type) {
            return Ok(false);
        }
        Ok(filters.room_types.is_empty() || filters.room_types.contains(&room_type))
    }

    fn passes_tags(&self, user: &UserId, cand: &Candidate, filters: &ListFilters) -> Result<bool> {
        if filters.tags.is_empty() && filters.not_tags.is_empty() {
            return Ok(true);
        }
        let Ok(room_id) = RoomId::parse(&cand.room) else {
            return Ok(false);
        };
        let tags = self.room_tags(user, &room_id)?;
        let has = |tag: &String| tags["tags"].get(tag).is_some();
        if filters.not_tags.iter().any(has) {
            return Ok(false);
        }
        Ok(filters.tags.is_empty() || filters.tags.iter().any(has))
    }

    /// Rooms that the given spaces (those the user has joined) list as
    /// children, per the `/hierarchy` rules for `m.space.child`.
    pub(crate) fn children_of_spaces(
        &self,
        user: &UserId,
        spaces: &[String],
    ) -> Result<HashSet<String>> {
        let mut children = HashSet::new();
        for space in spaces {
            let Ok(space_id) = RoomId::parse(space) else {
                continue;
            };
            if !self.is_joined(&space_id, user)? {
                continue;
            }
            for child in self.space_children(&space_id, false)? {
                children.extend(child.state_key.clone());
            }
        }
        Ok(children)
    }
}
