//! State resolution v1 (room version 1), as the room version 1 specification describes it.
//!
//! Known to be able to reset state; kept only so room version 1 rooms can be served.

use std::cmp::Reverse;

use ruma::{events::StateEventType, room_version_rules::AuthorizationRules, EventId, OwnedEventId};
use sha1::{Digest, Sha1};

use super::split_conflicted;
use crate::{check_auth, Event, ResolveError, StateMap};

/// The event types resolved first, in order, each as one list that stops at the first event
/// the rules reject.
const AUTH_TYPES_IN_ORDER: [StateEventType; 3] = [
    StateEventType::RoomPowerLevels,
    StateEventType::RoomJoinRules,
    StateEventType::RoomMember,
];

pub(super) fn resolve<E: Event>(
    rules: &AuthorizationRules,
    state_sets: &[StateMap<OwnedEventId>],
    fetch_event: &impl Fn(&EventId) -> Option<E>,
) -> Result<StateMap<OwnedEventId>, ResolveError> {
    // "Start by setting R to the union of the states to be resolved, excluding any
    // conflicting events."
    let (mut resolved, conflicted) = split_conflicted(state_sets);
    for kind in AUTH_TYPES_IN_ORDER {
        let candidates = conflicted
            .iter()
            .filter(|((k, _), _)| *k == kind)
            .flat_map(|(_, ids)| ids);
        let mut list = fetch_all(candidates, fetch_event)?;
        // "Sort the list by ascending depth then descending sha1(event_id)."
        list.sort_by_key(|event| (event.depth(), Reverse(sha1_of(event.event_id()))));
        let mut list = list.into_iter();
        // "Add the first event in the list to R."
        if let Some(first) = list.next() {
            insert(&mut resolved, &first);
        }
        // "For each subsequent event, check that it would be allowed in state R … if not, stop."
        for event in list {
            if !allowed_in(rules, &event, &resolved, fetch_event) {
                break;
            }
            insert(&mut resolved, &event);
        }
    }
    // "For all other conflicts, pick the event with the highest depth and lowest
    // sha1(event_id) that passes authentication in R."
    let others = conflicted
        .iter()
        .filter(|((kind, _), _)| !AUTH_TYPES_IN_ORDER.contains(kind));
    for (_, ids) in others {
        let mut list = fetch_all(ids.iter(), fetch_event)?;
        list.sort_by_key(|event| (Reverse(event.depth()), sha1_of(event.event_id())));
        if let Some(winner) = list
            .iter()
            .find(|e| allowed_in(rules, *e, &resolved, fetch_event))
        {
            insert(&mut resolved, winner);
        }
    }
    Ok(resolved)
}

fn fetch_all<'a, E: Event>(
    ids: impl Iterator<Item = &'a OwnedEventId>,
    fetch_event: &impl Fn(&EventId) -> Option<E>,
) -> Result<Vec<E>, ResolveError> {
    ids.map(|id| fetch_event(id).ok_or_else(|| ResolveError::EventNotFound(id.clone())))
        .collect()
}

fn allowed_in<E: Event>(
    rules: &AuthorizationRules,
    event: &E,
    state: &StateMap<OwnedEventId>,
    fetch_event: &impl Fn(&EventId) -> Option<E>,
) -> bool {
    let lookup = |kind: &StateEventType, key: &str| {
        state
            .get(&(kind.clone(), key.to_owned()))
            .and_then(|id| fetch_event(id))
    };
    check_auth(rules, event, lookup).is_ok()
}

fn insert<E: Event>(state: &mut StateMap<OwnedEventId>, event: &E) {
    if let Some(key) = crate::event::state_key_of(event) {
        state.insert(key, event.event_id().to_owned());
    }
}

fn sha1_of(event_id: &EventId) -> [u8; 20] {
    Sha1::digest(event_id.as_str().as_bytes()).into()
}
