//! A plain in-memory [`Event`] for tests, benchmarks and tools that build events by hand.

use ruma::{
    events::TimelineEventType, EventId, MilliSecondsSinceUnixEpoch, OwnedEventId, OwnedRoomId,
    OwnedUserId, RoomId, UserId,
};
use serde_json::value::RawValue;

use crate::Event;

/// An event held entirely in memory.
#[derive(Debug, Clone)]
pub struct PlainEvent {
    pub event_id: OwnedEventId,
    pub room_id: Option<OwnedRoomId>,
    pub sender: OwnedUserId,
    pub origin_server_ts: MilliSecondsSinceUnixEpoch,
    pub event_type: TimelineEventType,
    pub content: Box<RawValue>,
    pub state_key: Option<String>,
    pub prev_events: Vec<OwnedEventId>,
    pub auth_events: Vec<OwnedEventId>,
    pub redacts: Option<OwnedEventId>,
    pub rejected: bool,
    pub depth: u64,
}

impl Event for PlainEvent {
    fn event_id(&self) -> &EventId {
        &self.event_id
    }
    fn room_id(&self) -> Option<&RoomId> {
        self.room_id.as_deref()
    }
    fn sender(&self) -> &UserId {
        &self.sender
    }
    fn origin_server_ts(&self) -> MilliSecondsSinceUnixEpoch {
        self.origin_server_ts
    }
    fn event_type(&self) -> &TimelineEventType {
        &self.event_type
    }
    fn content(&self) -> &RawValue {
        &self.content
    }
    fn state_key(&self) -> Option<&str> {
        self.state_key.as_deref()
    }
    fn prev_events(&self) -> Box<dyn DoubleEndedIterator<Item = &EventId> + '_> {
        Box::new(self.prev_events.iter().map(|id| id.as_ref()))
    }
    fn auth_events(&self) -> Box<dyn DoubleEndedIterator<Item = &EventId> + '_> {
        Box::new(self.auth_events.iter().map(|id| id.as_ref()))
    }
    fn redacts(&self) -> Option<&EventId> {
        self.redacts.as_deref()
    }
    fn rejected(&self) -> bool {
        self.rejected
    }
    fn depth(&self) -> u64 {
        self.depth
    }
}
