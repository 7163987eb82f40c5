//! History visibility for other servers: what a server may read of a room
//! over federation (`/event`, `/state`, `/backfill`, `/get_missing_events`).
//!
//! A server may see an event if the room's history visibility at the event
//! would let any of its users see it: `world_readable` always; otherwise one
//! of its users was joined at the event, or invited under `invited`, or
//! (under `shared`) joined at some point after it. A server with no members
//! at all sees only `world_readable` events.

use plexus_core::Pdu;
use plexus_storage::{Direction, Json};
use ruma::{OwnedServerName, RoomId, ServerName, UserId};

use crate::{records::EventMetaRecord, tables::RoomMembers, Result, Services};

impl Services {
    /// Whether `server` may see `pdu` (an event of this server's store).
    pub fn server_can_see_event(&self, server: &ServerName, pdu: &Pdu) -> Result<bool> {
        let Some(meta) = self.event_meta(pdu.event_id.as_str())? else {
            return Ok(false);
        };
        self.server_can_see_event_with(server, pdu, &meta)
    }

    /// [`Services::server_can_see_event`] with the event's metadata at hand.
    pub fn server_can_see_event_with(
        &self,
        server: &ServerName,
        pdu: &Pdu,
        meta: &EventMetaRecord,
    ) -> Result<bool> {
        let before = self.history_visibility(meta.state_before)?;
        // A visibility change is visible under the setting before *or* after it.
        let after = (pdu.kind.to_string() == "m.room.history_visibility")
            .then(|| pdu.content_str("history_visibility"))
            .flatten();
        if before == "world_readable" || after.as_deref() == Some("world_readable") {
            return Ok(true);
        }
        // Membership changes of the server's own users are theirs to see.
        let own_member_event = pdu.kind.to_string() == "m.room.member"
            && pdu
                .state_key
                .as_deref()
                .and_then(|key| UserId::parse(key).ok())
                .is_some_and(|user| user.server_name() == server);
        if own_member_event {
            return Ok(true);
        }
        // Users who were ever in the room have a membership row; a server
        // without any has nothing more to see.
        let users = self.server_members(&pdu.room_id, server)?;
        let invited_counts = before == "invited" || after.as_deref() == Some("invited");
        for user in &users {
            let membership = self
                .state_event_in_group(meta.state_before, "m.room.member", user.as_str())?
                .and_then(|member| member.content_str("membership"));
            match membership.as_deref() {
                Some("join") => return Ok(true),
                Some("invite") if invited_counts => return Ok(true),
                _ => {}
            }
        }
        if before == "shared" || after.as_deref() == Some("shared") {
            for user in &users {
                if self.joined_after(user, pdu, meta)? {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    /// Users of `server` with any current membership in the room.
    fn server_members(
        &self,
        room_id: &RoomId,
        server: &ServerName,
    ) -> Result<Vec<ruma::OwnedUserId>> {
        let mut out = Vec::new();
        for row in self
            .db
            .scan::<RoomMembers, _>(&(room_id.to_string(),), Direction::Forward)?
        {
            let ((_, user), Json(_)) = row?;
            match UserId::parse(&user) {
                Ok(user) if user.server_name() == server => out.push(user),
                _ => {}
            }
        }
        Ok(out)
    }

    /// Whether `server` has a joined member in the room now (one seek in
    /// `federation_room_servers` for another server).
    pub fn server_in_room(&self, room_id: &RoomId, server: &ServerName) -> Result<bool> {
        if self.is_local_server(server) {
            return self.has_local_member(room_id);
        }
        self.room_has_server(room_id.as_str(), server)
    }

    /// The servers with joined members in the room, this server first if it is one.
    pub fn servers_in_room(&self, room_id: &RoomId) -> Result<Vec<OwnedServerName>> {
        let mut servers: Vec<OwnedServerName> = Vec::new();
        for user in self.room_members(room_id, "join")? {
            let Ok(user) = UserId::parse(&user) else {
                continue;
            };
            if !servers.iter().any(|s| s == user.server_name()) {
                servers.push(user.server_name().to_owned());
            }
        }
        servers.sort_by_key(|s| (s != self.server_name(), s.clone()));
        Ok(servers)
    }
}

#[cfg(test)]
mod tests;
