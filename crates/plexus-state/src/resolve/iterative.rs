//! The *iterative auth checks* algorithm shared by both phases of state resolution v2.

use ruma::{
    events::{StateEventType, TimelineEventType},
    room_version_rules::AuthorizationRules,
    EventId, OwnedEventId,
};
use tracing::debug;

use crate::{
    auth::{auth_types_with_content, check_auth_cached, MemberSelection, ParseCache},
    event::state_key_of,
    AuthError, Event, ResolveError,
};

use super::layered::LayeredState;

/// Applies each event of `sorted` to `state` if it passes the authorization rules against that
/// state. A required state slot missing from `state` falls back to the event's own
/// (non-rejected) auth event for that slot.
pub(crate) fn iterative_auth_checks<'a, E: Event + Clone>(
    rules: &AuthorizationRules,
    sorted: &[OwnedEventId],
    mut state: LayeredState<'a>,
    fetch_event: &impl Fn(&EventId) -> Option<E>,
    cache: &ParseCache,
) -> Result<LayeredState<'a>, ResolveError> {
    // Most events pass; sizing the overlay once avoids rehashing it as it grows.
    state.reserve(sorted.len());
    for id in sorted {
        let event = fetch_event(id).ok_or_else(|| ResolveError::EventNotFound(id.clone()))?;
        let key = state_key_of(&event).ok_or_else(|| ResolveError::NotAStateEvent(id.clone()))?;
        let Some(auth_state) = auth_state_for(rules, &event, &state, fetch_event, cache) else {
            debug!(event_id = %id, "skipping event with malformed membership content");
            continue;
        };
        let lookup = |kind: &StateEventType, state_key: &str| auth_state.get(kind, state_key);
        match check_auth_cached(rules, &event, lookup, cache) {
            Ok(()) => {
                state.insert(key, id.clone());
            }
            Err(error) => debug!(event_id = %id, %error, "event fails auth during resolution"),
        }
    }
    Ok(state)
}

/// The handful of state slots one event is checked against, with their events already
/// fetched. A short list scanned linearly: cheaper than hashing keys into a map for the
/// five or six entries an event needs.
struct AuthState<E> {
    /// Later entries for the same slot replace earlier ones; `None` is a slot whose event
    /// could not be fetched.
    slots: Vec<(StateEventType, String, Option<E>)>,
}

impl<E: Clone> AuthState<E> {
    fn insert(&mut self, kind: StateEventType, state_key: String, event: Option<E>) {
        match self
            .slots
            .iter_mut()
            .find(|(k, s, _)| *k == kind && *s == state_key)
        {
            Some(slot) => slot.2 = event,
            None => self.slots.push((kind, state_key, event)),
        }
    }

    /// Whether the slot holds the event `id`.
    fn holds(&self, kind: &StateEventType, state_key: &str, id: &EventId) -> bool
    where
        E: Event,
    {
        self.slots.iter().any(|(k, s, event)| {
            k == kind && s == state_key && event.as_ref().is_some_and(|e| e.event_id() == id)
        })
    }

    fn get(&self, kind: &StateEventType, state_key: &str) -> Option<E> {
        let (_, _, event) = self
            .slots
            .iter()
            .find(|(k, s, _)| k == kind && s == state_key)?;
        event.clone()
    }
}

/// The state an event is checked against: its own non-rejected auth events, overridden by the
/// partially resolved state for every slot the auth events selection names. In v12 the
/// create event comes from the room ID. `None` when the event's content is too malformed to
/// select auth events for; such an event can never pass.
fn auth_state_for<E: Event + Clone>(
    rules: &AuthorizationRules,
    event: &E,
    state: &LayeredState<'_>,
    fetch_event: &impl Fn(&EventId) -> Option<E>,
    cache: &ParseCache,
) -> Option<AuthState<E>> {
    let mut auth_state = AuthState {
        slots: Vec::with_capacity(6),
    };
    for auth_event in event.auth_events().filter_map(fetch_event) {
        if let (false, Some(key)) = (auth_event.rejected(), state_key_of(&auth_event)) {
            auth_state.insert(key.0, key.1, Some(auth_event));
        }
    }
    if rules.room_create_event_id_as_room_id && *event.event_type() != TimelineEventType::RoomCreate
    {
        let create_id = event.room_id().and_then(|room| {
            EventId::parse(format!("${}", room.as_str().trim_start_matches('!'))).ok()
        });
        if let Some(create_id) = create_id {
            let create = fetch_event(&create_id);
            auth_state.insert(StateEventType::RoomCreate, String::new(), create);
        }
    }
    for (kind, state_key) in selected_auth_types(rules, event, cache)? {
        let key = (kind, state_key);
        let Some(id) = state.get(&key) else {
            continue;
        };
        // Usually the resolved state still holds the very event the event cites, which is
        // already in place (and not rejected, or it would not be there).
        if auth_state.holds(&key.0, &key.1, id) {
            continue;
        }
        if let Some(usable) = fetch_event(id).filter(|e| !e.rejected()) {
            auth_state.insert(key.0, key.1, Some(usable));
        }
    }
    Some(auth_state)
}

/// The auth events selection for `event`, reading member contents through the cache.
fn selected_auth_types<E: Event>(
    rules: &AuthorizationRules,
    event: &E,
    cache: &ParseCache,
) -> Option<Vec<(StateEventType, String)>> {
    let with_member_content = |select: MemberSelection<'_>| {
        let content = cache.content(event);
        match content.as_ref() {
            Ok(content) => select(content),
            Err(e) => Err(AuthError::Malformed(format!("m.room.member content: {e}"))),
        }
    };
    auth_types_with_content(
        rules,
        event.event_type(),
        event.sender(),
        event.state_key(),
        with_member_content,
    )
    .ok()
}
