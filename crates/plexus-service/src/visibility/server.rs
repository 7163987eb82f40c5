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
        let invited_counts = before == "invited" || after.as_deref() == Some("invited");
        for membership in self.server_memberships_in_group(meta.state_before, server)? {
            if membership == "join" || (membership == "invite" && invited_counts) {
                return Ok(true);
            }
        }
        if before == "shared" || after.as_deref() == Some("shared") {
            return self.server_joined_after(server, pdu, meta);
        }
        Ok(false)
    }

    /// The memberships of `server`'s users in a state group.
    fn server_memberships_in_group(&self, group: u64, server: &ServerName) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for (&short_key, &short_event) in self.state_group(group)?.iter() {
            let (kind, state_key) = self.state_key_of(short_key)?;
            if kind != "m.room.member" || !user_of_server(&state_key, server) {
                continue;
            }
            if let Some(pdu) = self.pdu(&self.event_id_of(short_event)?)? {
                out.extend(pdu.content_str("membership"));
            }
        }
        Ok(out)
    }

    /// `shared`: one of `server`'s users joined the room at some point after the event.
    fn server_joined_after(
        &self,
        server: &ServerName,
        pdu: &Pdu,
        meta: &EventMetaRecord,
    ) -> Result<bool> {
        for user in self.server_members(&pdu.room_id, server)? {
            if self.joined_after(&user, pdu, meta)? {
                return Ok(true);
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

    /// Whether `server` has a joined member in the room now.
    pub fn server_in_room(&self, room_id: &RoomId, server: &ServerName) -> Result<bool> {
        for user in self.server_members(room_id, server)? {
            if self.is_joined(room_id, &user)? {
                return Ok(true);
            }
        }
        Ok(false)
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

fn user_of_server(user: &str, server: &ServerName) -> bool {
    UserId::parse(user).is_ok_and(|user| user.server_name() == server)
}

#[cfg(test)]
mod tests;
