//! What the domain asks of other servers. The domain layer knows no HTTP:
//! `plexus-federation` implements [`Remote`] and the binary installs it once
//! at start-up ([`Services::install_remote`]). Without it (federation
//! disabled, unit tests) every remote operation fails with
//! [`ServiceError::Remote`].
//!
//! Each method is one user-visible capability ("join this room on another
//! server"); how servers are chosen, retried and checked stays in the
//! federation crate.

use std::sync::{Arc, Weak};

use plexus_core::Pdu;
use ruma::{OwnedRoomId, OwnedServerName, RoomAliasId, RoomId, RoomVersionId, ServerName, UserId};
use serde_json::Value;

use crate::{Result, ServiceError, Services};

/// A room alias resolved by its server: the room and servers that can join us to it.
#[derive(Clone, Debug)]
pub struct RemoteAlias {
    pub room_id: OwnedRoomId,
    pub servers: Vec<OwnedServerName>,
}

/// Operations that need other servers. Every method has a default that
/// reports federation as unavailable, so an implementation overrides only
/// what it supports.
#[async_trait::async_trait]
pub trait Remote: Send + Sync {
    /// Joins local `user` to a room this server is not in (make_join /
    /// send_join), trying the `via` servers in turn. `content` is the
    /// member content the user asked for (displayname, reason, ...).
    async fn join_room(
        &self,
        room_id: &RoomId,
        user: &UserId,
        via: &[OwnedServerName],
        content: Value,
    ) -> Result<()> {
        let _ = (room_id, user, via, content);
        Err(unavailable())
    }

    /// Knocks on a room this server is not in (make_knock / send_knock).
    async fn knock(
        &self,
        room_id: &RoomId,
        user: &UserId,
        via: &[OwnedServerName],
        content: Value,
    ) -> Result<()> {
        let _ = (room_id, user, via, content);
        Err(unavailable())
    }

    /// Leaves (rejects an invite to, rescinds a knock on) a room whose state
    /// this server does not hold (make_leave / send_leave).
    async fn leave_room(&self, room_id: &RoomId, user: &UserId, content: Value) -> Result<()> {
        let _ = (room_id, user, content);
        Err(unavailable())
    }

    /// Sends an invite of a remote user to the user's server (`/invite` v2)
    /// and returns the event with the invitee server's signature added.
    async fn invite(
        &self,
        pdu: &Pdu,
        version: &RoomVersionId,
        invite_room_state: Vec<Value>,
    ) -> Result<Pdu> {
        let _ = (pdu, version, invite_room_state);
        Err(unavailable())
    }

    /// Resolves an alias of another server (`/query/directory`).
    async fn resolve_alias(&self, alias: &RoomAliasId) -> Result<Option<RemoteAlias>> {
        let _ = alias;
        Err(unavailable())
    }

    /// A remote user's profile (`/query/profile`), optionally one field.
    async fn profile(&self, user: &UserId, field: Option<&str>) -> Result<Value> {
        let _ = (user, field);
        Err(unavailable())
    }

    /// `/user/keys/query` on `server` with the `device_keys` map for its users.
    async fn query_keys(&self, server: &ServerName, device_keys: Value) -> Result<Value> {
        let _ = (server, device_keys);
        Err(unavailable())
    }

    /// `/user/keys/claim` on `server` with the `one_time_keys` map for its users.
    async fn claim_keys(&self, server: &ServerName, one_time_keys: Value) -> Result<Value> {
        let _ = (server, one_time_keys);
        Err(unavailable())
    }

    /// Another server's public room directory (`POST /publicRooms`); `body`
    /// holds `limit`, `since` and `filter` as the federation API takes them.
    async fn public_rooms(&self, server: &ServerName, body: Value) -> Result<Value> {
        let _ = (server, body);
        Err(unavailable())
    }

    /// Fetches up to `limit` events older than the room's earliest local one
    /// from the room's other servers (`/backfill`) and stores them; returns
    /// how many were added.
    async fn backfill(&self, room_id: &RoomId, limit: usize) -> Result<usize> {
        let _ = (room_id, limit);
        Ok(0)
    }

    /// The summary of a room this server is not in, as one of `via` shows
    /// it to this server (`/hierarchy`); `None` when none of them does.
    async fn room_summary(
        &self,
        room_id: &RoomId,
        via: &[OwnedServerName],
    ) -> Result<Option<Value>> {
        let _ = (room_id, via);
        Err(unavailable())
    }
}

fn unavailable() -> ServiceError {
    ServiceError::Remote("federation is not available on this server".into())
}

impl Services {
    /// Installs the federation side; called once by the binary at start-up.
    /// Held weakly: the federation side owns the services, not the reverse.
    pub fn install_remote(&self, remote: Weak<dyn Remote>) {
        let _ = self.remote.set(remote);
    }

    /// The federation side, if installed and still alive.
    pub fn remote(&self) -> Result<Arc<dyn Remote>> {
        self.remote
            .get()
            .and_then(Weak::upgrade)
            .ok_or_else(unavailable)
    }

    /// Whether `server` is this server.
    pub fn is_local_server(&self, server: &ServerName) -> bool {
        server == self.server_name()
    }
}
