//! Typed errors for authorization and state resolution.

use ruma::OwnedEventId;

/// Why an event failed the authorization rules. One variant per rule family in the spec's
/// "Authorization rules" list; the message names the failed rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// Rule 1: an `m.room.create` event is malformed or misplaced.
    #[error("m.room.create rejected: {0}")]
    Create(String),
    /// Rule 2 (v12): the room ID does not name an accepted `m.room.create` event.
    #[error("room ID does not reference an accepted m.room.create event: {0}")]
    RoomId(String),
    /// Rule "considering the event's auth_events": duplicates, wrong selection, rejected
    /// entries, missing create event or a foreign room ID.
    #[error("invalid auth_events: {0}")]
    AuthEvents(String),
    /// The room state has no `m.room.create` event.
    #[error("no m.room.create event in the room state")]
    MissingCreate,
    /// The room is not federated and the sender is on another server.
    #[error("room is not federated (m.federate: false) and sender is on another server")]
    NotFederated,
    /// Rule for `m.room.aliases` in room versions 1–5.
    #[error("m.room.aliases rejected: {0}")]
    Aliases(String),
    /// Rule 5: an `m.room.member` event failed the membership rules.
    #[error("m.room.member rejected: {0}")]
    Membership(String),
    /// Rule 5.4.1: a third-party invite could not be validated.
    #[error("third-party invite rejected: {0}")]
    ThirdPartyInvite(String),
    /// Rule 6: the sender is not joined to the room.
    #[error("sender is not joined to the room")]
    SenderNotJoined,
    /// Rules 7 and 8: the sender's power level is below the required level.
    #[error("insufficient power level: {0}")]
    InsufficientPower(String),
    /// Rule 9: a state key starting with `@` does not match the sender.
    #[error("state key {0:?} starts with '@' but is not the sender")]
    StateKeyNotSender(String),
    /// Rule 10: an `m.room.power_levels` event is malformed or changes levels it may not.
    #[error("m.room.power_levels rejected: {0}")]
    PowerLevels(String),
    /// Room versions 1–2: the `m.room.redaction` special case rejected the event.
    #[error("m.room.redaction rejected: {0}")]
    Redaction(String),
    /// An event's content or a state event's content could not be parsed.
    #[error("malformed event: {0}")]
    Malformed(String),
}

/// Why state resolution could not produce a result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// An event that the algorithm must inspect could not be fetched.
    #[error("event {0} not found")]
    EventNotFound(OwnedEventId),
    /// An event in a state map is not a state event.
    #[error("event {0} in a state map has no state key")]
    NotAStateEvent(OwnedEventId),
    /// The room version has no state resolution algorithm that this crate knows.
    #[error("unsupported state resolution algorithm for this room version")]
    UnsupportedRoomVersion,
}
