//! History visibility (spec: "Server behaviour" of `m.room.history_visibility`),
//! applied on every read path: /sync, /messages, /context, /event, /relations.
//! What other servers may read is in [`server`].

mod server;

use plexus_core::Pdu;
use ruma::UserId;

use crate::{records::EventMetaRecord, Result, Services};

impl Services {
    /// Whether `user` may see `pdu`, given the event's metadata.
    pub fn can_see_event(&self, user: &UserId, pdu: &Pdu, meta: &EventMetaRecord) -> Result<bool> {
        let group = meta.state_before;
        let visibility = self.history_visibility(group)?;
        if visibility == "world_readable" {
            return Ok(true);
        }
        let own_member_event = pdu.kind.to_string() == "m.room.member"
            && pdu.state_key.as_deref() == Some(user.as_str());
        // A user always sees changes of their own membership (their leave, kick or ban too).
        if own_member_event {
            return Ok(true);
        }
        let membership_then = self
            .state_event_in_group(group, "m.room.member", user.as_str())?
            .and_then(|p| p.content_str("membership"));
        match (membership_then.as_deref(), visibility.as_str()) {
            (Some("join"), _) => Ok(true),
            (Some("invite"), "invited") => Ok(true),
            (_, "shared") => self.joined_after(user, pdu, meta),
            _ => Ok(false),
        }
    }

    /// `shared`: a user who joined at any point after the event may see it.
    fn joined_after(&self, user: &UserId, pdu: &Pdu, meta: &EventMetaRecord) -> Result<bool> {
        let Some(current) = self.membership(&pdu.room_id, user)? else {
            return Ok(false);
        };
        if current.stream <= meta.stream {
            return Ok(false);
        }
        if current.membership == "join" {
            return Ok(true);
        }
        // Left or banned since: visible if they were joined before leaving.
        let prev = self.pdu(&current.event_id)?;
        let Some(prev_meta) = self.event_meta(&current.event_id)? else {
            return Ok(false);
        };
        let before_leave = self
            .state_event_in_group(prev_meta.state_before, "m.room.member", user.as_str())?
            .and_then(|p| p.content_str("membership"));
        Ok(prev.is_some() && before_leave.as_deref() == Some("join"))
    }

    pub fn event_meta(&self, event_id: &str) -> Result<Option<EventMetaRecord>> {
        Ok(self
            .db
            .get::<crate::tables::EventMeta>(&event_id.to_owned())?
            .map(|j| j.0))
    }
}
