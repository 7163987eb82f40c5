//! Membership changes of local users in local rooms. The auth rules in
//! plexus-state decide whether each change is allowed.

use std::sync::Arc;

use plexus_core::Pdu;
use plexus_storage::Json;
use ruma::{RoomId, UserId};
use serde_json::{json, Value};

use crate::{
    events::NewEvent,
    ratelimit::Action,
    tables::{RoomMembers, UserRooms},
    Result, ServiceError, Services,
};

impl Services {
    /// The `m.room.member` join of `user`, with their profile.
    pub async fn join_event(
        &self,
        room_id: &RoomId,
        user: &UserId,
        reason: Option<String>,
    ) -> Result<Arc<Pdu>> {
        let mut content = self.member_content("join", user, reason)?;
        if let Some(authoriser) = self.restricted_join_authoriser(room_id, user)? {
            content["join_authorised_via_users_server"] = json!(authoriser);
        }
        self.append_member_event(room_id, user, user, content).await
    }

    /// Joins a room: locally when this server is in it, else through the
    /// `via` servers (and any other server known to be in it).
    pub async fn join_room(
        &self,
        room_id: &RoomId,
        user: &UserId,
        reason: Option<String>,
        via: &[ruma::OwnedServerName],
    ) -> Result<()> {
        self.rate_limiter.check(Action::Join, user.as_str())?;
        if self.holds_live_state(room_id)? {
            self.join_event(room_id, user, reason).await?;
            return Ok(());
        }
        self.join_remote_room(room_id, user, reason, via).await
    }

    /// Whether this server can act in the room on its own: it knows the
    /// room and either a local user is joined or no other server is.
    pub fn holds_live_state(&self, room_id: &RoomId) -> Result<bool> {
        if !self.room_exists(room_id)? {
            return Ok(false);
        }
        Ok(self.has_local_member(room_id)? || self.remote_servers_in_room(room_id)?.is_empty())
    }

    /// Knocks on a room (through the `via` servers when this server is not
    /// in it); the auth rules check that its join rule allows it.
    pub async fn knock(
        &self,
        room_id: &RoomId,
        user: &UserId,
        reason: Option<String>,
        via: &[ruma::OwnedServerName],
    ) -> Result<()> {
        self.rate_limiter.check(Action::Join, user.as_str())?;
        let content = self.member_content("knock", user, reason)?;
        if !self.holds_live_state(room_id)? {
            let mut servers = via.to_vec();
            servers.extend(self.remote_servers_in_room(room_id)?);
            if let Some(server) = room_id.server_name() {
                servers.push(server.to_owned());
            }
            servers.retain(|s| s != self.server_name());
            if servers.is_empty() {
                return Err(ServiceError::not_found(
                    "this room is not known to this server",
                ));
            }
            return self.remote()?.knock(room_id, user, &servers, content).await;
        }
        self.append_member_event(room_id, user, user, content)
            .await?;
        Ok(())
    }

    pub async fn invite(
        &self,
        room_id: &RoomId,
        sender: &UserId,
        invitee: &UserId,
        reason: Option<String>,
        is_direct: bool,
    ) -> Result<()> {
        if invitee.server_name() == self.server_name() && !self.user_exists(invitee)? {
            return Err(ServiceError::not_found("the invited user does not exist"));
        }
        let mut content = self.member_content("invite", invitee, reason)?;
        if is_direct {
            content["is_direct"] = json!(true);
        }
        if invitee.server_name() != self.server_name() {
            return self
                .invite_remote_user(room_id, sender, invitee, content)
                .await;
        }
        self.append_member_event(room_id, sender, invitee, content)
            .await?;
        Ok(())
    }

    /// Leave, kick (`target != sender`), ban, or unban (`membership = "leave"` over a ban).
    pub async fn set_membership(
        &self,
        room_id: &RoomId,
        sender: &UserId,
        target: &UserId,
        membership: &str,
        reason: Option<String>,
    ) -> Result<()> {
        if sender == target && membership == "leave" && !self.holds_live_state(room_id)? {
            let outside = self
                .user_membership(target, room_id)?
                .is_some_and(|m| m.membership == "invite" || m.membership == "knock");
            if outside {
                return self.leave_remote_room(room_id, target, reason).await;
            }
        }
        if !self.room_exists(room_id)? {
            return Err(ServiceError::not_found("unknown room"));
        }
        let mut content = json!({ "membership": membership });
        if let Some(reason) = reason {
            content["reason"] = json!(reason);
        }
        self.append_event(
            room_id,
            sender,
            NewEvent::state("m.room.member", target.as_str(), content),
        )
        .await?;
        Ok(())
    }

    /// Forgets a room the user has left: it disappears from their sync.
    pub fn forget_room(&self, room_id: &RoomId, user: &UserId) -> Result<()> {
        let key = (user.to_string(), room_id.to_string());
        match self.db.get::<UserRooms>(&key)? {
            Some(Json(m))
                if m.membership == "join"
                    || m.membership == "invite"
                    || m.membership == "knock" =>
            {
                Err(ServiceError::invalid("leave the room before forgetting it"))
            }
            Some(_) => {
                self.db.put::<crate::tables::Forgotten>(&key, &())?;
                Ok(())
            }
            None => Err(ServiceError::not_found("you were never in this room")),
        }
    }

    pub fn is_forgotten(&self, user: &UserId, room_id: &str) -> Result<bool> {
        Ok(self
            .db
            .contains::<crate::tables::Forgotten>(&(user.to_string(), room_id.to_owned()))?)
    }

    /// The current membership of a user in a room ("leave" if none).
    pub fn membership(
        &self,
        room_id: &RoomId,
        user: &UserId,
    ) -> Result<Option<crate::records::MembershipRecord>> {
        Ok(self
            .db
            .get::<RoomMembers>(&(room_id.to_string(), user.to_string()))?
            .map(|j| j.0))
    }

    pub fn is_joined(&self, room_id: &RoomId, user: &UserId) -> Result<bool> {
        Ok(self
            .membership(room_id, user)?
            .is_some_and(|m| m.membership == "join"))
    }

    /// For a `restricted`/`knock_restricted` room the user is not already
    /// in or invited to: a local member who may invite, vouching that the user
    /// is joined to one of the rooms the join rule allows. `None` when no
    /// authorisation is needed; `Forbidden` when the user qualifies through no room.
    pub(crate) fn restricted_join_authoriser(
        &self,
        room_id: &RoomId,
        user: &UserId,
    ) -> Result<Option<String>> {
        let Some(rules) = self.current_state_event(room_id, "m.room.join_rules", "")? else {
            return Ok(None);
        };
        let rule = rules.content_str("join_rule").unwrap_or_default();
        let already = self
            .membership(room_id, user)?
            .is_some_and(|m| m.membership == "join" || m.membership == "invite");
        if !(rule == "restricted" || rule == "knock_restricted") || already {
            return Ok(None);
        }
        let content = rules.content_value();
        let allowed_rooms = content["allow"].as_array().cloned().unwrap_or_default();
        let qualifies = allowed_rooms.iter().any(|allow| {
            allow["type"] == "m.room_membership"
                && allow["room_id"]
                    .as_str()
                    .and_then(|r| RoomId::parse(r).ok())
                    .is_some_and(|r| self.is_joined(&r, user).unwrap_or(false))
        });
        if !qualifies {
            return Err(ServiceError::forbidden(
                "you are not a member of a room this room admits",
            ));
        }
        for member in self.room_members(room_id, "join")? {
            let Ok(member) = UserId::parse(&member) else {
                continue;
            };
            if member.server_name() == self.server_name()
                && self.user_can_invite(room_id, &member)?
            {
                return Ok(Some(member.to_string()));
            }
        }
        Err(ServiceError::forbidden(
            "no member of this server can authorise your join",
        ))
    }

    /// `m.room.member` content carrying `target`'s profile and the reason.
    pub(crate) fn member_content(
        &self,
        membership: &str,
        target: &UserId,
        reason: Option<String>,
    ) -> Result<Value> {
        let mut content = json!({ "membership": membership });
        self.add_profile(&mut content, target)?;
        if let Some(reason) = reason {
            content["reason"] = json!(reason);
        }
        Ok(content)
    }

    async fn append_member_event(
        &self,
        room_id: &RoomId,
        sender: &UserId,
        target: &UserId,
        content: Value,
    ) -> Result<Arc<Pdu>> {
        let event = NewEvent::state("m.room.member", target.as_str(), content);
        self.append_event(room_id, sender, event).await
    }

    fn add_profile(&self, content: &mut Value, user: &UserId) -> Result<()> {
        if let Some(record) = self.user(user)? {
            if let Some(name) = record.displayname {
                content["displayname"] = json!(name);
            }
            if let Some(avatar) = record.avatar_url {
                content["avatar_url"] = json!(avatar);
            }
        }
        Ok(())
    }
}
