//! Aliases of any server: this server's from its alias table (with the
//! servers in the room), another server's asked of that server
//! (`/query/directory`) through [`crate::remote::Remote`].

use ruma::{OwnedRoomId, OwnedServerName, RoomAliasId};

use crate::{Result, Services};

impl Services {
    /// The room an alias names and servers that can join us to it; `None` if unknown.
    pub async fn resolve_alias_anywhere(
        &self,
        alias: &RoomAliasId,
    ) -> Result<Option<(OwnedRoomId, Vec<OwnedServerName>)>> {
        if !self.is_local_server(alias.server_name()) {
            let answer = self.remote()?.resolve_alias(alias).await?;
            return Ok(answer.map(|a| (a.room_id, a.servers)));
        }
        let Some(room_id) = self.resolve_alias(alias.as_str())? else {
            return Ok(None);
        };
        let mut servers = self.servers_in_room(&room_id)?;
        if servers.is_empty() {
            servers.push(self.server_name().to_owned());
        }
        Ok(Some((room_id, servers)))
    }
}

#[cfg(test)]
mod tests;
