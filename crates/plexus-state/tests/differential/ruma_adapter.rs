//! Adapts the fixture events to ruma-state-res's `Event` trait, and runs ruma's resolver.

use std::{collections::HashSet, sync::Arc};

use plexus_state::{fixture::PlainEvent, fixture::RoomBuilder, Event as _, StateMap};
use ruma::{
    events::TimelineEventType, state_res, EventId, MilliSecondsSinceUnixEpoch, OwnedEventId,
    RoomId, UserId,
};
use serde_json::value::RawValue;

/// A newtype so the foreign trait can be implemented for the fixture event.
#[derive(Clone)]
pub struct RumaEvent(pub Arc<PlainEvent>);

impl state_res::Event for RumaEvent {
    type Id = OwnedEventId;

    fn event_id(&self) -> &Self::Id {
        &self.0.event_id
    }
    fn room_id(&self) -> Option<&RoomId> {
        self.0.room_id()
    }
    fn sender(&self) -> &UserId {
        self.0.sender()
    }
    fn origin_server_ts(&self) -> MilliSecondsSinceUnixEpoch {
        self.0.origin_server_ts()
    }
    fn event_type(&self) -> &TimelineEventType {
        self.0.event_type()
    }
    fn content(&self) -> &RawValue {
        self.0.content()
    }
    fn state_key(&self) -> Option<&str> {
        self.0.state_key()
    }
    fn prev_events(&self) -> Box<dyn DoubleEndedIterator<Item = &Self::Id> + '_> {
        Box::new(self.0.prev_events.iter())
    }
    fn auth_events(&self) -> Box<dyn DoubleEndedIterator<Item = &Self::Id> + '_> {
        Box::new(self.0.auth_events.iter())
    }
    fn redacts(&self) -> Option<&Self::Id> {
        self.0.redacts.as_ref()
    }
    fn rejected(&self) -> bool {
        self.0.rejected
    }
}

/// Resolves with ruma-state-res (v2 / v2.1 only).
pub fn ruma_resolve(
    room: &RoomBuilder,
    state_sets: &[StateMap<OwnedEventId>],
    auth_chains: &[HashSet<OwnedEventId>],
) -> Result<StateMap<OwnedEventId>, String> {
    let v2_rules = room
        .rules
        .state_res
        .v2_rules()
        .ok_or("ruma only implements v2")?;
    let chains = auth_chains
        .iter()
        .map(|chain| chain.iter().cloned().collect())
        .collect();
    let fetch = |id: &EventId| room.fetch(id).map(RumaEvent);
    state_res::resolve(
        &room.rules.authorization,
        v2_rules,
        state_sets.iter(),
        chains,
        fetch,
        |conflicted| {
            Some(
                naive_conflicted_subgraph(room, conflicted)
                    .into_iter()
                    .collect(),
            )
        },
    )
    .map_err(|e| e.to_string())
}

/// The conflicted state subgraph computed the slow, obviously-correct way: an event is on a
/// path between two conflicted events if one conflicted event reaches it and it reaches
/// another. Independent of plexus-state's implementation on purpose.
fn naive_conflicted_subgraph(
    room: &RoomBuilder,
    conflicted: &StateMap<Vec<OwnedEventId>>,
) -> HashSet<OwnedEventId> {
    let conflicted: HashSet<OwnedEventId> = conflicted.values().flatten().cloned().collect();
    let descendants_of = |id: &OwnedEventId| room.auth_chain([id]);
    let mut subgraph = conflicted.clone();
    for start in &conflicted {
        for candidate in descendants_of(start) {
            let chain = descendants_of(&candidate);
            if chain.iter().any(|id| conflicted.contains(id)) {
                subgraph.insert(candidate);
            }
        }
    }
    subgraph
}
