//! Which remote servers are in a room, and where a room event goes.
//!
//! `federation_room_servers` holds a row `(room, server, user)` for every
//! joined member of another server, written in the batch of the membership
//! event (put on join, deleted otherwise). Rows are idempotent, so several
//! membership events in one batch need no read-modify-write. The servers of
//! a room are read with one seek per server, so the cost per message follows
//! the number of servers, not of members.

use std::collections::BTreeSet;

use plexus_core::Pdu;
use plexus_storage::{Batch, Direction, Json};
use ruma::{OwnedServerName, ServerName, UserId};

use super::{queue::past_prefix, OutboxItem};
use crate::{
    tables::{Counters, FederationRoomServers, RoomMembers},
    Result, Services,
};

/// `counters` key set once `federation_room_servers` has been built from `room_members`.
const ROOM_SERVERS_BUILT: &str = "federation_room_servers_built";

impl Services {
    /// Keeps `federation_room_servers` in step with a membership event of a
    /// remote user (local users are not recorded). Call it in the batch that
    /// stores the event as the room's current membership.
    pub(crate) fn index_room_server(&self, batch: &mut Batch<'_>, pdu: &Pdu) -> Result<()> {
        if pdu.kind != ruma::events::TimelineEventType::RoomMember {
            return Ok(());
        }
        let Some(user) = pdu.state_key.as_deref().and_then(|s| UserId::parse(s).ok()) else {
            return Ok(());
        };
        if user.server_name() == self.server_name() {
            return Ok(());
        }
        let key = (
            pdu.room_id.to_string(),
            user.server_name().to_string(),
            user.to_string(),
        );
        if pdu.content_str("membership").as_deref() == Some("join") {
            batch.put::<FederationRoomServers>(&key, &())?;
        } else {
            batch.delete::<FederationRoomServers>(&key)?;
        }
        Ok(())
    }

    /// Fills `federation_room_servers` from `room_members` once per data
    /// directory: rooms joined before the table existed. Later memberships
    /// are indexed as they are stored.
    pub fn index_room_servers_once(&self) -> Result<()> {
        let marker = ROOM_SERVERS_BUILT.to_owned();
        if self.db.contains::<Counters>(&marker)? {
            return Ok(());
        }
        let mut batch = self.db.batch();
        for row in self.db.scan::<RoomMembers, _>(&(), Direction::Forward)? {
            let ((room, user), Json(member)) = row?;
            let Ok(user_id) = UserId::parse(&user) else {
                continue;
            };
            if member.membership == "join" && user_id.server_name() != self.server_name() {
                let server = user_id.server_name().to_string();
                batch.put::<FederationRoomServers>(&(room, server, user), &())?;
            }
        }
        batch.put::<Counters>(&marker, &1)?;
        self.db.write(batch)?;
        Ok(())
    }

    /// The other servers with a joined member in the room.
    pub fn room_servers(&self, room_id: &str) -> Result<Vec<OwnedServerName>> {
        let prefix = (room_id.to_owned(),);
        let mut servers = Vec::new();
        let mut start: Option<Vec<u8>> = None;
        loop {
            let mut scan = self.db.scan_from::<FederationRoomServers, _>(
                &prefix,
                start.as_deref(),
                Direction::Forward,
            )?;
            let Some(row) = scan.next() else {
                return Ok(servers);
            };
            let ((_, server, _), ()) = row?;
            start = Some(past_prefix(&(room_id.to_owned(), server.clone())));
            if let Ok(server) = OwnedServerName::try_from(server) {
                servers.push(server);
            }
        }
    }

    /// Whether a user of `server` is joined to the room (one seek).
    pub fn room_has_server(&self, room_id: &str, server: &ServerName) -> Result<bool> {
        let prefix = (room_id.to_owned(), server.to_string());
        Ok(self
            .db
            .scan::<FederationRoomServers, _>(&prefix, Direction::Forward)?
            .next()
            .transpose()?
            .is_some())
    }

    /// The other servers sharing a joined room with `user`.
    pub fn servers_sharing_rooms(&self, user: &UserId) -> Result<BTreeSet<OwnedServerName>> {
        let mut servers = BTreeSet::new();
        for room in self.joined_rooms(user)? {
            servers.extend(self.room_servers(&room)?);
        }
        Ok(servers)
    }

    /// Queues a room event for the room's other servers and `extra` ones
    /// (e.g. the joining server of a send_join), in `batch`.
    pub fn outbox_pdu(
        &self,
        batch: &mut Batch<'_>,
        pdu: &Pdu,
        extra: &[OwnedServerName],
    ) -> Result<()> {
        let mut destinations: BTreeSet<OwnedServerName> = self
            .room_servers(pdu.room_id.as_str())?
            .into_iter()
            .collect();
        destinations.extend(extra.iter().cloned());
        let item = OutboxItem::Pdu {
            event_id: pdu.event_id.to_string(),
        };
        self.outbox_enqueue(batch, destinations.iter().map(|s| s.as_str()), &item)
    }

    /// Queues an event sent by a local user (events of other servers are
    /// theirs to send). The servers are read before the batch is written, so
    /// a remote user who leaves or is kicked still gets the event; the target
    /// of a membership event gets it too, except an invitee, whose server
    /// receives invites through `/invite`.
    pub(crate) fn outbox_room_event(&self, batch: &mut Batch<'_>, pdu: &Pdu) -> Result<()> {
        if pdu.sender.server_name() != self.server_name() {
            return Ok(());
        }
        let target = (pdu.kind == ruma::events::TimelineEventType::RoomMember
            && pdu.content_str("membership").as_deref() != Some("invite"))
        .then(|| pdu.state_key.as_deref().and_then(|s| UserId::parse(s).ok()))
        .flatten()
        .map(|user| user.server_name().to_owned());
        self.outbox_pdu(batch, pdu, target.as_slice())
    }
}
