//! [`Event`] for the server's own PDU type, so storage hands its events to
//! auth and state resolution without conversion.

use plexus_core::{pdu::TimelineEventType, Pdu};
use ruma::{EventId, MilliSecondsSinceUnixEpoch, RoomId, UInt, UserId};
use serde_json::value::RawValue;

use crate::Event;

impl Event for Pdu {
    fn event_id(&self) -> &EventId {
        &self.event_id
    }
    fn room_id(&self) -> Option<&RoomId> {
        // A v12 create event carries no room_id in its JSON; its room ID is derived.
        self.json.contains_key("room_id").then_some(&*self.room_id)
    }
    fn sender(&self) -> &UserId {
        &self.sender
    }
    fn origin_server_ts(&self) -> MilliSecondsSinceUnixEpoch {
        MilliSecondsSinceUnixEpoch(UInt::new_saturating(self.origin_server_ts))
    }
    fn event_type(&self) -> &TimelineEventType {
        &self.kind
    }
    fn content(&self) -> &RawValue {
        &self.content
    }
    fn state_key(&self) -> Option<&str> {
        self.state_key.as_deref()
    }
    fn prev_events(&self) -> Box<dyn DoubleEndedIterator<Item = &EventId> + '_> {
        Box::new(self.prev_events.iter().map(|id| &**id))
    }
    fn auth_events(&self) -> Box<dyn DoubleEndedIterator<Item = &EventId> + '_> {
        Box::new(self.auth_events.iter().map(|id| &**id))
    }
    fn redacts(&self) -> Option<&EventId> {
        self.redacts.as_deref()
    }
    fn depth(&self) -> u64 {
        self.depth
    }
}

#[cfg(test)]
mod tests;
