//! Membership across servers, the domain side. For remote users joining or
//! leaving our rooms: the event templates of `make_join`/`make_leave`/
//! `make_knock` and the state answered to `send_join`. For local users in
//! rooms elsewhere: joins, invites, knocks and leaves that go through
//! [`crate::remote::Remote`].

use plexus_core::Pdu;
use ruma::{OwnedServerName, RoomId, UserId};
use serde_json::json;

use crate::{
    events::{rules_for, NewEvent},
    Result, ServiceError, Services,
};

mod join_state;

impl Services {
    /// A membership event of a remote user, built on the current state and
    /// allowed by the auth rules, for that user's server to sign. Returns
    /// it with the room version.
    pub async fn membership_template(
        &self,
        room_id: &RoomId,
        user: &UserId,
        membership: &str,
    ) -> Result<(Pdu, String)> {
        let lock = self.room_lock(room_id.as_str());
        let _guard = lock.lock().await;
        let room = self
            .room_record(room_id)?
            .ok_or_else(|| ServiceError::not_found("this server is not in that room"))?;
        let rules = rules_for(&room.version)?;
        let mut content = json!({ "membership": membership });
        if membership == "join" {
            if let Some(authoriser) = self.restricted_join_authoriser(room_id, user)? {
                content["join_authorised_via_users_server"] = json!(authoriser);
            }
        }
        let event = NewEvent::state("m.room.member", user.as_str(), content);
        let pdu = self.build_event(Some(room_id), user, &event, &room, &rules)?;
        self.check_event_auth(&pdu, room.state_group, &rules)?;
        Ok((pdu, room.version))
    }

    /// Whether some local user is joined to the room: only then does this
    /// server hold its live state.
    pub fn has_local_member(&self, room_id: &RoomId) -> Result<bool> {
        Ok(self
            .room_members(room_id, "join")?
            .iter()
            .any(|member| member.ends_with(&format!(":{}", self.server_name()))))
    }

    /// The servers of the room's joined members, ours excluded.
    pub fn remote_servers_in_room(&self, room_id: &RoomId) -> Result<Vec<OwnedServerName>> {
        let mut servers: Vec<OwnedServerName> = self
            .room_members(room_id, "join")?
            .iter()
            .filter_map(|member| UserId::parse(member).ok())
            .map(|user| user.server_name().to_owned())
            .filter(|server| server != self.server_name())
            .collect();
        servers.sort();
        servers.dedup();
        Ok(servers)
    }

    /// Joins a room that this server is not in, through the remote side.
    pub(crate) async fn join_remote_room(
        &self,
        room_id: &RoomId,
        user: &UserId,
        reason: Option<String>,
        via: &[OwnedServerName],
    ) -> Result<()> {
        let mut servers = via.to_vec();
        servers.extend(self.remote_servers_in_room(room_id)?);
        if let Some(server) = room_id.server_name() {
            servers.push(server.to_owned());
        }
        if let Some(inviter) = self.invite_sender_server(room_id, user)? {
            servers.insert(0, inviter);
        }
        servers.retain(|s| s != self.server_name());
        dedup_keep_order(&mut servers);
        if servers.is_empty() {
            return Err(ServiceError::not_found(
                "no server to join this room through: give its server in via",
            ));
        }
        let content = self.member_content("join", user, reason)?;
        self.remote()?
            .join_room(room_id, user, &servers, content)
            .await
    }

    /// The server of whoever invited `user` to the room, if invited.
    fn invite_sender_server(
        &self,
        room_id: &RoomId,
        user: &UserId,
    ) -> Result<Option<OwnedServerName>> {
        let Some(membership) = self.user_membership(user, room_id)? else {
            return Ok(None);
        };
        if membership.membership != "invite" {
            return Ok(None);
        }
        Ok(self
            .pdu(&membership.event_id)?
            .map(|pdu| pdu.sender.server_name().to_owned()))
    }

    /// A local user's membership as the user index holds it (also for rooms
    /// this server holds no state of, such as remote invites).
    pub fn user_membership(
        &self,
        user: &UserId,
        room_id: &RoomId,
    ) -> Result<Option<crate::records::MembershipRecord>> {
        Ok(self
            .db
            .get::<crate::tables::UserRooms>(&(user.to_string(), room_id.to_string()))?
            .map(|j| j.0))
    }

    /// Invites a user of another server to a local room: the event is built
    /// and checked here, countersigned by the invitee's server, then stored.
    pub(crate) async fn invite_remote_user(
        &self,
        room_id: &RoomId,
        sender: &UserId,
        invitee: &UserId,
        content: serde_json::Value,
    ) -> Result<()> {
        let lock = self.room_lock(room_id.as_str());
        let _guard = lock.lock().await;
        let room = self
            .room_record(room_id)?
            .ok_or_else(|| ServiceError::not_found("unknown room"))?;
        let rules = rules_for(&room.version)?;
        let event = NewEvent::state("m.room.member", invitee.as_str(), content);
        let pdu = self.build_event(Some(room_id), sender, &event, &room, &rules)?;
        self.check_event_auth(&pdu, room.state_group, &rules)?;
        let version =
            ruma::RoomVersionId::try_from(room.version.as_str()).map_err(ServiceError::internal)?;
        let room_state = self.invite_room_state(room_id, &pdu)?;
        let signed = self.remote()?.invite(&pdu, &version, room_state).await?;
        if signed.event_id != pdu.event_id {
            return Err(ServiceError::Remote(
                "the invitee's server changed the invite event".into(),
            ));
        }
        self.persist_event(signed, room, None)?;
        Ok(())
    }

    /// Leaves a room this server holds no live state of (a remote invite or
    /// knock) through the remote side.
    pub(crate) async fn leave_remote_room(
        &self,
        room_id: &RoomId,
        user: &UserId,
        reason: Option<String>,
    ) -> Result<()> {
        let mut content = json!({ "membership": "leave" });
        if let Some(reason) = reason {
            content["reason"] = json!(reason);
        }
        self.remote()?.leave_room(room_id, user, content).await
    }

    /// The room state sent along with an invite: since spec 1.16 full PDUs
    /// in the room version's format, `m.room.create` included; the invitee's
    /// server strips them for its clients.
    pub fn invite_room_state(
        &self,
        room_id: &RoomId,
        invite: &Pdu,
    ) -> Result<Vec<serde_json::Value>> {
        let mut events = Vec::new();
        for kind in [
            "m.room.create",
            "m.room.join_rules",
            "m.room.name",
            "m.room.avatar",
            "m.room.canonical_alias",
            "m.room.encryption",
            "m.room.topic",
        ] {
            if let Some(pdu) = self.current_state_event(room_id, kind, "")? {
                events.push(pdu_value(&pdu));
            }
        }
        if let Some(inviter) =
            self.current_state_event(room_id, "m.room.member", invite.sender.as_str())?
        {
            events.push(pdu_value(&inviter));
        }
        Ok(events)
    }
}

fn dedup_keep_order(servers: &mut Vec<OwnedServerName>) {
    let mut seen = std::collections::HashSet::new();
    servers.retain(|s| seen.insert(s.clone()));
}

/// A PDU as the JSON it is sent in.
fn pdu_value(pdu: &Pdu) -> serde_json::Value {
    serde_json::to_value(ruma::CanonicalJsonValue::Object(pdu.json.clone()))
        .unwrap_or(serde_json::Value::Null)
}
