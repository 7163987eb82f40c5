//! The *iterative auth checks* algorithm shared by both phases of state resolution v2.

use ruma::{
    events::{StateEventType, TimelineEventType},
    room_version_rules::AuthorizationRules,
    EventId, OwnedEventId,
};
use tracing::debug;

use crate::{
    auth::{check_auth_cached, ParseCache},
    auth_types_for_event,
    event::state_key_of,
    Event, ResolveError, StateMap,
};

/// A partially resolved state: the events applied so far (`overlay`) on top of an unchanged
/// `base` (the unconflicted state map in v2, nothing in v2.1). Keeping the base borrowed avoids
/// copying a room's whole state for every resolution.
pub(crate) struct LayeredState<'a> {
    pub base: Option<&'a StateMap<OwnedEventId>>,
    pub overlay: StateMap<OwnedEventId>,
}

impl LayeredState<'_> {
    pub fn get(&self, key: &(StateEventType, String)) -> Option<&OwnedEventId> {
        self.overlay
            .get(key)
            .or_else(|| self.base.and_then(|base| base.get(key)))
    }
}

/// Applies each event of `sorted` to `state` if it passes the authorization rules against that
/// state. A required state slot missing from `state` falls back to the event's own
/// (non-rejected) auth event for that slot.
pub(crate) fn iterative_auth_checks<'a, E: Event>(
    rules: &AuthorizationRules,
    sorted: &[OwnedEventId],
    mut state: LayeredState<'a>,
    fetch_event: &impl Fn(&EventId) -> Option<E>,
    cache: &ParseCache,
) -> Result<LayeredState<'a>, ResolveError> {
    for id in sorted {
        let event = fetch_event(id).ok_or_else(|| ResolveError::EventNotFound(id.clone()))?;
        let key = state_key_of(&event).ok_or_else(|| ResolveError::NotAStateEvent(id.clone()))?;
        let Some(auth_state) = auth_state_for(rules, &event, &state, fetch_event) else {
            debug!(event_id = %id, "skipping event with malformed membership content");
            continue;
        };
        let lookup = |kind: &StateEventType, state_key: &str| {
            auth_state
                .get(&(kind.clone(), state_key.to_owned()))
                .and_then(|id| fetch_event(id))
        };
        match check_auth_cached(rules, &event, lookup, cache) {
            Ok(()) => {
                state.overlay.insert(key, id.clone());
            }
            Err(error) => debug!(event_id = %id, %error, "event fails auth during resolution"),
        }
    }
    Ok(state)
}

/// The state an event is checked against: its own non-rejected auth events, overridden by the
/// partially resolved state for every slot the auth events selection names. In v12 the
/// create event comes from the room ID. `None` when the event's content is too malformed to
/// select auth events for; such an event can never pass.
fn auth_state_for<E: Event>(
    rules: &AuthorizationRules,
    event: &E,
    state: &LayeredState<'_>,
    fetch_event: &impl Fn(&EventId) -> Option<E>,
) -> Option<StateMap<OwnedEventId>> {
    let mut auth_state = StateMap::new();
    for auth_id in event.auth_events() {
        let Some(auth_event) = fetch_event(auth_id) else {
            continue;
        };
        if let (false, Some(key)) = (auth_event.rejected(), state_key_of(&auth_event)) {
            auth_state.insert(key, auth_id.to_owned());
        }
    }
    if rules.room_create_event_id_as_room_id && *event.event_type() != TimelineEventType::RoomCreate
    {
        let create_id = event.room_id().and_then(|room| {
            EventId::parse(format!("${}", room.as_str().trim_start_matches('!'))).ok()
        });
        if let Some(create_id) = create_id {
            auth_state.insert((StateEventType::RoomCreate, String::new()), create_id);
        }
    }
    let selected = auth_types_for_event(
        rules,
        event.event_type(),
        event.sender(),
        event.state_key(),
        event.content(),
    )
    .ok()?;
    for key in selected {
        let usable = state
            .get(&key)
            .filter(|id| fetch_event(id).is_some_and(|e| !e.rejected()));
        if let Some(id) = usable {
            auth_state.insert(key, id.clone());
        }
    }
    Some(auth_state)
}
