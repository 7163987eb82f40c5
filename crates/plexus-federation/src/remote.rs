//! [`plexus_service::remote::Remote`] for [`Federation`]: the domain's
//! requests to other servers. Each method only delegates to the module that
//! owns the capability, so this file stays a table of contents.

use plexus_core::Pdu;
use plexus_service::{remote::RemoteAlias, Result};
use ruma::{OwnedServerName, RoomAliasId, RoomId, RoomVersionId, ServerName, UserId};
use serde_json::Value;

use crate::{membership, queries, Federation};

#[async_trait::async_trait]
impl plexus_service::remote::Remote for Federation {
    async fn join_room(
        &self,
        room_id: &RoomId,
        user: &UserId,
        via: &[OwnedServerName],
        content: Value,
    ) -> Result<()> {
        membership::join::join_room(self, room_id, user, via, content).await
    }

    async fn knock(
        &self,
        room_id: &RoomId,
        user: &UserId,
        via: &[OwnedServerName],
        content: Value,
    ) -> Result<()> {
        membership::knock::knock(self, room_id, user, via, content).await
    }

    async fn leave_room(&self, room_id: &RoomId, user: &UserId, content: Value) -> Result<()> {
        membership::leave::leave_room(self, room_id, user, content).await
    }

    async fn invite(
        &self,
        pdu: &Pdu,
        version: &RoomVersionId,
        invite_room_state: Vec<Value>,
    ) -> Result<Pdu> {
        membership::invite_out::invite(self, pdu, version, invite_room_state).await
    }

    async fn resolve_alias(&self, alias: &RoomAliasId) -> Result<Option<RemoteAlias>> {
        queries::resolve_alias(self, alias).await
    }

    async fn profile(&self, user: &UserId, field: Option<&str>) -> Result<Value> {
        queries::profile(self, user, field).await
    }

    async fn query_keys(&self, server: &ServerName, device_keys: Value) -> Result<Value> {
        queries::query_keys(self, server, device_keys).await
    }

    async fn claim_keys(&self, server: &ServerName, one_time_keys: Value) -> Result<Value> {
        queries::claim_keys(self, server, one_time_keys).await
    }

    async fn public_rooms(&self, server: &ruma::ServerName, body: Value) -> Result<Value> {
        crate::queries::public_rooms(self, server, body).await
    }

    async fn backfill(&self, room_id: &RoomId, limit: usize) -> Result<usize> {
        crate::backfill::backfill(self, room_id, limit).await
    }

    async fn room_summary(
        &self,
        room_id: &RoomId,
        via: &[ruma::OwnedServerName],
    ) -> Result<Option<Value>> {
        crate::queries::hierarchy_room(self, room_id, via).await
    }
}
