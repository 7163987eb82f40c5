//! A plain in-memory [`Event`] and a room builder, for tests, benchmarks and tools that
//! build events by hand. Not used by the authorization or resolution code itself.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use ruma::{
    events::{StateEventType, TimelineEventType},
    room_version_rules::{EventIdFormatVersion, RoomVersionRules},
    EventId, MilliSecondsSinceUnixEpoch, OwnedEventId, OwnedRoomId, OwnedUserId, RoomId,
    RoomVersionId, UserId,
};
use serde_json::{
    json,
    value::{to_raw_value, RawValue},
    Value,
};

use crate::{auth_types_for_event, Event, StateMap};

/// An event held entirely in memory.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
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

/// Builds a room's events by hand: each new event cites, as `auth_events`, exactly what the
/// auth events selection picks from the state the caller says it was sent in.
#[derive(Debug, Clone)]
pub struct RoomBuilder {
    /// The rules of the room's version.
    pub rules: RoomVersionRules,
    /// The room ID (`!<create hash>` from room version 12).
    pub room_id: OwnedRoomId,
    /// The `m.room.create` event's ID.
    pub create_id: OwnedEventId,
    /// Every event built so far.
    pub events: HashMap<OwnedEventId, Arc<PlainEvent>>,
    next_id: u64,
}

impl RoomBuilder {
    /// Starts a room of `version` whose create event is sent by `creator` with `content`
    /// merged into the default create content.
    pub fn new(version: &RoomVersionId, creator: &UserId, extra_content: Value) -> Self {
        let rules = version.rules().expect("a known room version");
        let mut content = json!({ "room_version": version.as_str() });
        if !rules.authorization.use_room_create_sender {
            content["creator"] = json!(creator);
        }
        merge(&mut content, extra_content);
        let v12 = rules.authorization.room_create_event_id_as_room_id;
        let create_id = event_id(&rules, 0, "create");
        let room_id = if v12 {
            RoomId::parse(format!("!{}", &create_id.as_str()[1..])).expect("valid room ID")
        } else {
            RoomId::parse(format!("!room:{}", creator.server_name())).expect("valid room ID")
        };
        let create = PlainEvent {
            event_id: create_id.clone(),
            room_id: (!v12).then(|| room_id.clone()),
            sender: creator.to_owned(),
            origin_server_ts: MilliSecondsSinceUnixEpoch(0u32.into()),
            event_type: TimelineEventType::RoomCreate,
            content: to_raw_value(&content).expect("serialisable"),
            state_key: Some(String::new()),
            prev_events: Vec::new(),
            auth_events: Vec::new(),
            redacts: None,
            rejected: false,
            depth: 1,
        };
        let events = HashMap::from([(create_id.clone(), Arc::new(create))]);
        Self {
            rules,
            room_id,
            create_id,
            events,
            next_id: 1,
        }
    }

    /// The state right after the create event.
    pub fn initial_state(&self) -> StateMap<OwnedEventId> {
        StateMap::from([(
            (StateEventType::RoomCreate, String::new()),
            self.create_id.clone(),
        )])
    }

    /// Builds an event sent in `state`, after `prev_events`, and records it. Auth events are
    /// selected from `state`; the timestamp is the event's sequence number unless `ts` is set.
    pub fn build(&mut self, new: NewEvent<'_>, state: &StateMap<OwnedEventId>) -> Arc<PlainEvent> {
        let sequence = self.next_id;
        self.next_id += 1;
        let content = to_raw_value(&new.content).expect("serialisable");
        let kind = TimelineEventType::from(new.kind);
        let selected = auth_types_for_event(
            &self.rules.authorization,
            &kind,
            new.sender,
            new.state_key,
            &content,
        )
        .unwrap_or_default();
        let auth_events = selected
            .iter()
            .filter_map(|key| state.get(key).cloned())
            .collect();
        let prev_depths = new
            .prev_events
            .iter()
            .filter_map(|id| self.events.get(id))
            .map(|e| e.depth);
        let depth = prev_depths.max().unwrap_or(0) + 1;
        let event = PlainEvent {
            event_id: event_id(&self.rules, sequence, "ev"),
            room_id: Some(self.room_id.clone()),
            sender: new.sender.to_owned(),
            origin_server_ts: MilliSecondsSinceUnixEpoch(
                new.ts.unwrap_or(sequence).try_into().expect("small"),
            ),
            event_type: kind,
            content,
            state_key: new.state_key.map(str::to_owned),
            prev_events: new.prev_events,
            auth_events,
            redacts: new.redacts,
            rejected: false,
            depth,
        };
        let event = Arc::new(event);
        self.events.insert(event.event_id.clone(), event.clone());
        event
    }

    /// Looks an event up by ID.
    pub fn fetch(&self, id: &EventId) -> Option<Arc<PlainEvent>> {
        self.events.get(id).cloned()
    }

    /// The auth chain (transitive `auth_events`, excluding the events themselves unless
    /// reached) of a set of events.
    pub fn auth_chain<'a>(
        &self,
        ids: impl IntoIterator<Item = &'a OwnedEventId>,
    ) -> HashSet<OwnedEventId> {
        let mut chain = HashSet::new();
        let mut stack: Vec<OwnedEventId> = ids
            .into_iter()
            .filter_map(|id| self.events.get(id))
            .flat_map(|event| event.auth_events.iter().cloned())
            .collect();
        while let Some(id) = stack.pop() {
            if chain.insert(id.clone()) {
                if let Some(event) = self.events.get(&id) {
                    stack.extend(event.auth_events.iter().cloned());
                }
            }
        }
        chain
    }
}

/// The description of an event for [`RoomBuilder::build`].
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct NewEvent<'a> {
    pub sender: &'a UserId,
    pub kind: &'a str,
    pub state_key: Option<&'a str>,
    pub content: Value,
    pub prev_events: Vec<OwnedEventId>,
    pub redacts: Option<OwnedEventId>,
    pub ts: Option<u64>,
}

impl<'a> NewEvent<'a> {
    /// A state event with no prev events yet.
    pub fn state(sender: &'a UserId, kind: &'a str, state_key: &'a str, content: Value) -> Self {
        Self {
            sender,
            kind,
            state_key: Some(state_key),
            content,
            prev_events: Vec::new(),
            redacts: None,
            ts: None,
        }
    }

    /// A message-like (non-state) event.
    pub fn message(sender: &'a UserId, kind: &'a str, content: Value) -> Self {
        Self {
            state_key: None,
            ..Self::state(sender, kind, "", content)
        }
    }

    /// An `m.room.member` event for `target`.
    pub fn member(sender: &'a UserId, target: &'a str, membership: &str) -> Self {
        Self::state(
            sender,
            "m.room.member",
            target,
            json!({ "membership": membership }),
        )
    }

    /// Sets the prev events.
    pub fn after(mut self, prev_events: &[OwnedEventId]) -> Self {
        self.prev_events = prev_events.to_vec();
        self
    }

    /// Sets the timestamp.
    pub fn at(mut self, ts: u64) -> Self {
        self.ts = Some(ts);
        self
    }
}

/// Event IDs in the room version's format: `$id:server` before v3, `$opaque` after.
fn event_id(rules: &RoomVersionRules, sequence: u64, prefix: &str) -> OwnedEventId {
    let id = match rules.event_id_format {
        EventIdFormatVersion::V1 => format!("${prefix}{sequence:06}:example.org"),
        _ => format!("${prefix}{sequence:06}"),
    };
    EventId::parse(id).expect("valid event ID")
}

fn merge(base: &mut Value, extra: Value) {
    if let (Some(base), Value::Object(extra)) = (base.as_object_mut(), extra) {
        base.extend(extra);
    }
}
