//! Room summaries (`GET /v1/room_summary/{roomIdOrAlias}`, MSC3266, spec
//! v1.15): the public-rooms entry of a room plus its version, encryption,
//! restricting rooms and the caller's membership, for rooms the caller may
//! preview. A room this server holds no state of is summarised from the
//! stripped state of the caller's invite or knock, if any; otherwise it,
//! like a room the caller may not preview, is "not found" (as Synapse
//! answers), so the answer does not reveal that a private room exists —
//! unless the client names servers in the room (`via`): then the first of
//! them that shows this server the room (federation `/hierarchy`) answers.

use ruma::{OwnedRoomId, OwnedServerName, RoomId, UserId};
use serde_json::{json, Value};

use crate::{spaces::Openness, Result, ServiceError, Services};

fn not_found() -> ServiceError {
    ServiceError::not_found("room not found or not accessible")
}

impl Services {
    /// The summary of a room for `user` (`None`: an unauthenticated caller).
    pub fn room_summary_for(&self, room_id: &RoomId, user: Option<&UserId>) -> Result<Value> {
        let room = self.room_record(room_id)?;
        let (Some(room), true) = (room, self.holds_room_state(room_id)?) else {
            let invited = match user {
                Some(user) => self.summary_from_invite_state(room_id, user)?,
                None => None,
            };
            return invited.ok_or_else(not_found);
        };
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

    /// [`Services::room_summary_for`]; for a room this server holds no state
    /// of, the summary one of the `via` servers gives this server
    /// (federation `/hierarchy`), shown if the caller may preview the room
    /// by its join rule.
    pub async fn room_summary_via(
        &self,
        room_id: &RoomId,
        user: Option<&UserId>,
        via: &[OwnedServerName],
    ) -> Result<Value> {
        match self.room_summary_for(room_id, user) {
            Err(ServiceError::NotFound(_))
                if !via.is_empty() && !self.holds_room_state(room_id)? => {}
            answer => return answer,
        }
        let remote = self.remote().map_err(|_| not_found())?;
        let Ok(Some(mut summary)) = remote.room_summary(room_id, via).await else {
            return Err(not_found());
        };
        if !self.may_preview_remote(&summary, user)? {
            return Err(not_found());
        }
        if let Some(user) = user {
            let membership = self.user_membership(user, room_id)?;
            summary["membership"] = json!(membership.map_or("leave".to_owned(), |m| m.membership));
        }
        Ok(summary)
    }

    /// Whether this server holds the room's state (not only an invite to it).
    fn holds_room_state(&self, room_id: &RoomId) -> Result<bool> {
        Ok(self.room_record(room_id)?.is_some()
            && self
                .current_state_event(room_id, "m.room.create", "")?
                .is_some())
    }

    /// [`Services::may_preview`] for a room known only from another server's
    /// summary: open rooms, or restricted ones the caller is joined to one
    /// of the allowed rooms of.
    pub(crate) fn may_preview_remote(
        &self,
        summary: &Value,
        user: Option<&UserId>,
    ) -> Result<bool> {
        let open = matches!(
            summary["join_rule"].as_str(),
            Some("public" | "knock" | "knock_restricted")
        ) || summary["world_readable"] == true;
        if open {
            return Ok(true);
        }
        let Some(user) = user else {
            return Ok(false);
        };
        for allowed in summary["allowed_room_ids"].as_array().into_iter().flatten() {
            let Some(allowed) = allowed.as_str().and_then(|r| RoomId::parse(r).ok()) else {
                continue;
            };
            if self.is_joined(&allowed, user)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// A room this server holds no state of, which the user is invited to or
    /// knocked on: the summary from the stripped state the other server sent.
    fn summary_from_invite_state(&self, room_id: &RoomId, user: &UserId) -> Result<Option<Value>> {
        let Some(membership) = self.user_membership(user, room_id)? else {
            return Ok(None);
        };
        if !matches!(membership.membership.as_str(), "invite" | "knock") {
            return Ok(None);
        }
        let Some(state) = self.remote_invite_state(user.as_str(), room_id)? else {
            return Ok(None);
        };
        let content = |kind: &str| {
            state
                .iter()
                .find(|e| e["type"] == kind && e["state_key"] == "")
                .map(|e| e["content"].clone())
                .unwrap_or(Value::Null)
        };
        let joined = state
            .iter()
            .filter(|e| e["type"] == "m.room.member" && e["content"]["membership"] == "join")
            .count();
        let create = content("m.room.create");
        let mut summary = json!({
            "room_id": room_id,
            "num_joined_members": joined,
            "world_readable": content("m.room.history_visibility")["history_visibility"] == "world_readable",
            "guest_can_join": content("m.room.guest_access")["guest_access"] == "can_join",
            "join_rule": content("m.room.join_rules")["join_rule"].as_str().unwrap_or("invite"),
            "room_version": create["room_version"].as_str().unwrap_or("1"),
            "membership": membership.membership,
        });
        for (field, value) in [
            ("name", &content("m.room.name")["name"]),
            ("topic", &content("m.room.topic")["topic"]),
            ("avatar_url", &content("m.room.avatar")["url"]),
            (
                "canonical_alias",
                &content("m.room.canonical_alias")["alias"],
            ),
            ("room_type", &create["type"]),
            ("encryption", &content("m.room.encryption")["algorithm"]),
        ] {
            if value.is_string() {
                summary[field] = value.clone();
            }
        }
        Ok(Some(summary))
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
        let openness = self.hierarchy_openness(room_id)?;
        match user {
            Some(user) => openness.admits(|room| self.is_joined(room, user)),
            None => Ok(matches!(openness, Openness::Open)),
        }
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
