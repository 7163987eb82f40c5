//! The partially resolved state that the iterative auth checks read and extend.

use std::cell::RefCell;

use ruma::{events::StateEventType, OwnedEventId};

use crate::StateMap;

/// A partially resolved state: the events applied so far (the overlay) on top of an unchanged
/// `base` (the unconflicted state map in v2, nothing in v2.1). Keeping the base borrowed avoids
/// copying a room's whole state for every resolution.
pub(crate) struct LayeredState<'a> {
    base: Option<&'a StateMap<OwnedEventId>>,
    overlay: StateMap<OwnedEventId>,
    /// The types whose room-wide slot (empty state key) the overlay holds.
    overlaid_room_slots: Vec<StateEventType>,
    /// The base's room-wide slots looked up so far. Nearly every check reads the create event,
    /// power levels and join rules; remembering them saves hashing the same keys into both
    /// layers thousands of times.
    base_room_slots: RefCell<Vec<(StateEventType, Option<&'a OwnedEventId>)>>,
}

impl<'a> LayeredState<'a> {
    /// An empty overlay on `base`.
    pub fn new(base: Option<&'a StateMap<OwnedEventId>>) -> Self {
        Self {
            base,
            overlay: StateMap::new(),
            overlaid_room_slots: Vec::new(),
            base_room_slots: RefCell::new(Vec::new()),
        }
    }

    /// The event in a state slot.
    pub fn get(&self, key: &(StateEventType, String)) -> Option<&OwnedEventId> {
        if key.1.is_empty() && !self.overlaid_room_slots.contains(&key.0) {
            return self.base_room_slot(&key.0);
        }
        self.overlay
            .get(key)
            .or_else(|| self.base.and_then(|base| base.get(key)))
    }

    /// Puts `id` in its slot, over whatever was there.
    pub fn insert(&mut self, key: (StateEventType, String), id: OwnedEventId) {
        if key.1.is_empty() && !self.overlaid_room_slots.contains(&key.0) {
            self.overlaid_room_slots.push(key.0.clone());
        }
        self.overlay.insert(key, id);
    }

    /// Makes room for `additional` more overlay entries.
    pub fn reserve(&mut self, additional: usize) {
        self.overlay.reserve(additional);
    }

    /// The events applied on top of the base.
    pub fn into_overlay(self) -> StateMap<OwnedEventId> {
        self.overlay
    }

    /// The base's event in the room-wide slot of `kind`, memoised.
    fn base_room_slot(&self, kind: &StateEventType) -> Option<&'a OwnedEventId> {
        let mut memo = self.base_room_slots.borrow_mut();
        if let Some((_, id)) = memo.iter().find(|(k, _)| k == kind) {
            return *id;
        }
        let base: Option<&'a StateMap<OwnedEventId>> = self.base;
        let id = base.and_then(|base| base.get(&(kind.clone(), String::new())));
        memo.push((kind.clone(), id));
        id
    }
}
