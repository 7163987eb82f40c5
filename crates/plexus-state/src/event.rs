//! The [`Event`] abstraction through which authorization and state resolution see PDUs.

use std::{collections::HashMap, sync::Arc};

use ruma::{
    events::{StateEventType, TimelineEventType},
    EventId, MilliSecondsSinceUnixEpoch, RoomId, UserId,
};
use serde_json::value::RawValue;

/// A map from `(event type, state key)` to some value, usually an event ID.
pub type StateMap<T> = HashMap<(StateEventType, String), T>;

/// An event as state resolution and authorization see it.
///
/// Implemented by the server's PDU type and by test fixtures.
pub trait Event {
    /// The event ID.
    fn event_id(&self) -> &EventId;
    /// The room ID; `None` for an `m.room.create` event in room version 12 and later.
    fn room_id(&self) -> Option<&RoomId>;
    /// The sending user.
    fn sender(&self) -> &UserId;
    /// The sender's timestamp, used as a tie-breaker in state resolution orderings.
    fn origin_server_ts(&self) -> MilliSecondsSinceUnixEpoch;
    /// The event type.
    fn event_type(&self) -> &TimelineEventType;
    /// The raw `content` object.
    fn content(&self) -> &RawValue;
    /// The state key; `None` for message events.
    fn state_key(&self) -> Option<&str>;
    /// The IDs of the events this event follows in the room DAG.
    fn prev_events(&self) -> Box<dyn DoubleEndedIterator<Item = &EventId> + '_>;
    /// The IDs of the events that authorize this one.
    fn auth_events(&self) -> Box<dyn DoubleEndedIterator<Item = &EventId> + '_>;
    /// The redacted event (top-level `redacts` or `content.redacts`, depending on the version).
    fn redacts(&self) -> Option<&EventId>;
    /// Whether the server rejected this event on receipt.
    fn rejected(&self) -> bool {
        false
    }
    /// The event's `depth`. Only state resolution v1 (room version 1) uses it, so
    /// implementations for later room versions may leave the default.
    fn depth(&self) -> u64 {
        0
    }
}

/// Forwards every method to the referenced event, so `&E` can be passed where `E` is expected.
macro_rules! forward_event_impl {
    ($($wrapper:ty),*) => {$(
        impl<E: Event + ?Sized> Event for $wrapper {
            fn event_id(&self) -> &EventId { (**self).event_id() }
            fn room_id(&self) -> Option<&RoomId> { (**self).room_id() }
            fn sender(&self) -> &UserId { (**self).sender() }
            fn origin_server_ts(&self) -> MilliSecondsSinceUnixEpoch { (**self).origin_server_ts() }
            fn event_type(&self) -> &TimelineEventType { (**self).event_type() }
            fn content(&self) -> &RawValue { (**self).content() }
            fn state_key(&self) -> Option<&str> { (**self).state_key() }
            fn prev_events(&self) -> Box<dyn DoubleEndedIterator<Item = &EventId> + '_> {
                (**self).prev_events()
            }
            fn auth_events(&self) -> Box<dyn DoubleEndedIterator<Item = &EventId> + '_> {
                (**self).auth_events()
            }
            fn redacts(&self) -> Option<&EventId> { (**self).redacts() }
            fn rejected(&self) -> bool { (**self).rejected() }
            fn depth(&self) -> u64 { (**self).depth() }
        }
    )*};
}

forward_event_impl!(&E, Arc<E>);

/// The state map key of a state event.
pub(crate) fn state_key_of<E: Event>(event: &E) -> Option<(StateEventType, String)> {
    let state_key = event.state_key()?;
    Some((state_event_type(event.event_type()), state_key.to_owned()))
}

/// The state event type with the same name as `kind`.
///
/// The types the authorization rules look at are mapped directly: going through the type's
/// name (formatting it, then matching the string against every known type) was a measurable
/// part of state resolution.
pub(crate) fn state_event_type(kind: &TimelineEventType) -> StateEventType {
    match kind {
        TimelineEventType::RoomCreate => StateEventType::RoomCreate,
        TimelineEventType::RoomMember => StateEventType::RoomMember,
        TimelineEventType::RoomPowerLevels => StateEventType::RoomPowerLevels,
        TimelineEventType::RoomJoinRules => StateEventType::RoomJoinRules,
        TimelineEventType::RoomThirdPartyInvite => StateEventType::RoomThirdPartyInvite,
        other => other.to_string().into(),
    }
}
