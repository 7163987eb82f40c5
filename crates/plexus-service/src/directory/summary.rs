//! Room summaries (`GET /v1/room_summary/{roomIdOrAlias}`, MSC3266, spec
//! v1.15): the public-rooms entry of a room plus its version, encryption,
//! restricting rooms and the caller's membership, for rooms the caller may
//! preview. A room this server holds no state of, or that the caller may
//! not preview, is "not found" (as Synapse answers), so the answer does
//! not reveal that a private room exists.

use ruma::{OwnedRoomId, RoomId, UserId};
use serde_json::{json, Value};

use crate::{Result, ServiceError, Services};

impl Services {
    /// The summary of a room for `user` (`None`: an unauthenticated caller).
    pub fn room_summary_for(&self, room_id: &RoomId, user: Option<&UserId>) -> Result<Value> {
        let not_found = || ServiceError::not_found("room not found or not accessible");
        let Some(room) = self.room_record(room_id)? else {
            return Err(not_found());
        };
        if self
            .current_state_event(room_id, "m.room.create", "")?
            .is_none()
        {
            return Err(not_found());
        }
        let membership = match user {
            Some(user) => self.membership(room_id, user)?.map(|m| m.membership),
            None => None,
        };
        if !self.may_preview(room_id, user, membership.as_deref())? {
            return Err(not_found());
        }
        let mut summary = self.room_summary(room_id)?;
        summary["room_version"] = json!(room.version);
        let encryption = self.current_state_event(room_id, "m.room.encryption", "")?;
        if let Some(algorithm) = encryption.and_then(|e| e.content_str("algorithm")) {
            summary["encryption"] = json!(algorithm);
        }
        let allowed = self.allowed_rooms(room_id)?;
        if !allowed.is_empty() {
            summary["allowed_room_ids"] = json!(allowed);
        }
        if user.is_some() {
            summary["membership"] = json!(membership.as_deref().unwrap_or("leave"));
        }
        Ok(summary)
    }

    /// Whether the caller may preview the room: a member, invitee or knocker
    /// (not a banned user), or the room is public, knockable or
    /// world-readable, or restricted to a room the caller is joined to.
    fn may_preview(
        &self,
        room_id: &RoomId,
        user: Option<&UserId>,
        membership: Option<&str>,
    ) -> Result<bool> {
        match membership {
            Some("join" | "invite" | "knock") => return Ok(true),
            Some("ban") => return Ok(false),
            _ => {}
        }
        let join_rule = self
            .current_state_event(room_id, "m.room.join_rules", "")?
            .and_then(|e| e.content_str("join_rule"));
        if matches!(
            join_rule.as_deref(),
            Some("public" | "knock" | "knock_restricted")
        ) {
            return Ok(true);
        }
        let visibility = self
            .current_state_event(room_id, "m.room.history_visibility", "")?
            .and_then(|e| e.content_str("history_visibility"));
        if visibility.as_deref() == Some("world_readable") {
            return Ok(true);
        }
        let Some(user) = user else {
            return Ok(false);
        };
        for allowed in self.allowed_rooms(room_id)? {
            if self.is_joined(&allowed, user)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The rooms the join rule's `m.room_membership` conditions name, when
    /// the rule is `restricted` or `knock_restricted`.
    fn allowed_rooms(&self, room_id: &RoomId) -> Result<Vec<OwnedRoomId>> {
        let Some(rules) = self.current_state_event(room_id, "m.room.join_rules", "")? else {
            return Ok(vec![]);
        };
        let content = rules.content_value();
        let restricted = matches!(
            content["join_rule"].as_str(),
            Some("restricted" | "knock_restricted")
        );
        if !restricted {
            return Ok(vec![]);
        }
        Ok(content["allow"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|rule| rule["type"] == "m.room_membership")
            .filter_map(|rule| RoomId::parse(rule["room_id"].as_str()?).ok())
            .collect())
    }
}

#[cfg(test)]
mod tests;
