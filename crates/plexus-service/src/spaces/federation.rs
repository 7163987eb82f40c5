//! The federation form of a space hierarchy (`GET /_matrix/federation/v1/hierarchy`):
//! no paging and one level only — the room and its direct children that the
//! requesting *server* could peek or join; children it could not are listed
//! as `inaccessible_children`, rooms this server does not know are left out.

use ruma::{RoomId, ServerName};
use serde_json::Value;

use crate::{Result, ServiceError, Services};

/// The answer of the federation hierarchy endpoint.
#[derive(Clone, Debug, Default)]
pub struct ServerHierarchy {
    pub room: Value,
    pub children: Vec<Value>,
    pub inaccessible_children: Vec<String>,
}

impl Services {
    /// The room and its children as `server` may see them (404 when it may not see the room).
    pub fn server_space_hierarchy(
        &self,
        room_id: &RoomId,
        server: &ServerName,
        suggested_only: bool,
    ) -> Result<ServerHierarchy> {
        if self.room_record(room_id)?.is_none() || !self.server_may_see_room(room_id, server)? {
            return Err(ServiceError::not_found("unknown room"));
        }
        let children = self.space_children(room_id, suggested_only)?;
        let mut answer = ServerHierarchy {
            room: self.hierarchy_entry(room_id, &children)?,
            ..ServerHierarchy::default()
        };
        for child in &children {
            let Some(child_id) = child
                .state_key
                .as_deref()
                .and_then(|k| RoomId::parse(k).ok())
            else {
                continue;
            };
            if self.room_record(&child_id)?.is_none() {
                continue;
            }
            if self.server_may_see_room(&child_id, server)? {
                let grandchildren = self.space_children(&child_id, suggested_only)?;
                answer
                    .children
                    .push(self.hierarchy_entry(&child_id, &grandchildren)?);
            } else {
                answer.inaccessible_children.push(child_id.to_string());
            }
        }
        Ok(answer)
    }

    /// Whether `server` could peek or join a local room: it has a member
    /// there, or the room is open to outsiders or restricted to a room it
    /// has a member in.
    fn server_may_see_room(&self, room_id: &RoomId, server: &ServerName) -> Result<bool> {
        if self.server_in_room(room_id, server)? {
            return Ok(true);
        }
        self.hierarchy_openness(room_id)?
            .admits(|room| self.server_in_room(room, server))
    }
}
