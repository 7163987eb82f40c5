//! State resolution: v1 (room version 1), v2 (room versions 2–11) and v2.1 (room version 12).

mod iterative;
mod layered;
mod ordering;
mod subgraph;
mod v1;
mod v2;

#[cfg(test)]
mod tests;

use std::collections::HashSet;

use ruma::{
    events::{StateEventType, TimelineEventType},
    room_version_rules::{RoomVersionRules, StateResolutionVersion},
    EventId, OwnedEventId,
};

use crate::{auth::ParseCache, Event, ResolveError, StateMap};

/// Resolves a set of forked room states into one, with the algorithm the room version uses.
///
/// `auth_chains[i]` is the full auth chain of the events in `state_sets[i]` (only v2 and v2.1
/// read it). `fetch_event` must return every event named in the state sets and their auth chains;
/// events it cannot find are left out of the full conflicted set, as a server cannot verify them.
pub fn resolve<E: Event + Clone>(
    rules: &RoomVersionRules,
    state_sets: &[StateMap<OwnedEventId>],
    auth_chains: Vec<HashSet<OwnedEventId>>,
    fetch_event: impl Fn(&EventId) -> Option<E>,
) -> Result<StateMap<OwnedEventId>, ResolveError> {
    resolve_with_options(
        ResolveOptions::default(),
        rules,
        state_sets,
        auth_chains,
        fetch_event,
    )
}

/// Knobs for deviating from the spec text, for comparison with other implementations.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResolveOptions {
    /// Step 1 of v2 enlarges the power events with "the events in the auth chain of P which
    /// also belong to the full conflicted set". Synapse and ruma-state-res only follow auth
    /// edges *within* the full conflicted set, so an event reachable from P only through an
    /// event outside the set (one that is in every auth chain) is missed. `false` (the
    /// default) follows the spec.
    pub walk_only_through_full_conflicted_set: bool,
}

/// [`resolve`] with non-default [`ResolveOptions`]; for differential testing only.
#[doc(hidden)]
pub fn resolve_with_options<E: Event + Clone>(
    options: ResolveOptions,
    rules: &RoomVersionRules,
    state_sets: &[StateMap<OwnedEventId>],
    auth_chains: Vec<HashSet<OwnedEventId>>,
    fetch_event: impl Fn(&EventId) -> Option<E>,
) -> Result<StateMap<OwnedEventId>, ResolveError> {
    match &rules.state_res {
        StateResolutionVersion::V1 => v1::resolve(&rules.authorization, state_sets, &fetch_event),
        StateResolutionVersion::V2(v2_rules) => v2::resolve(
            options,
            &rules.authorization,
            v2_rules,
            state_sets,
            auth_chains,
            &fetch_event,
        ),
        _ => Err(ResolveError::UnsupportedRoomVersion),
    }
}

/// Splits the state sets into the unconflicted state map (same value in every set) and the
/// conflicted state set (every value of every other key).
pub(crate) fn split_conflicted(
    state_sets: &[StateMap<OwnedEventId>],
) -> (StateMap<OwnedEventId>, StateMap<Vec<OwnedEventId>>) {
    let Some((first, rest)) = state_sets.split_first() else {
        return (StateMap::new(), StateMap::new());
    };
    let conflicted_keys = conflicted_keys(first, rest);
    // Cloning the first set copies its hash table bucket for bucket, without rehashing a
    // single key; rooms hold thousands of unconflicted keys and only a few conflicted ones, so
    // this beats inserting the unconflicted entries one by one.
    let mut unconflicted = first.clone();
    let mut conflicted = StateMap::with_capacity(conflicted_keys.len());
    for key in conflicted_keys {
        unconflicted.remove(key);
        conflicted.insert(key.clone(), distinct_values(state_sets, key));
    }
    (unconflicted, conflicted)
}

/// The keys whose values are not the same in `first` and every set of `rest`.
fn conflicted_keys<'a>(
    first: &'a StateMap<OwnedEventId>,
    rest: &'a [StateMap<OwnedEventId>],
) -> HashSet<&'a (StateEventType, String)> {
    let mut conflicted = HashSet::new();
    for set in rest {
        let mut shared = 0;
        for (key, id) in first {
            match set.get(key) {
                Some(other) => {
                    shared += 1;
                    if other != id {
                        conflicted.insert(key);
                    }
                }
                None => {
                    conflicted.insert(key);
                }
            }
        }
        // Every key of `set` was found in `first` unless `set` has more keys than matched;
        // only then is it worth walking `set` for keys `first` lacks.
        if shared != set.len() {
            conflicted.extend(set.keys().filter(|key| !first.contains_key(*key)));
        }
    }
    conflicted
}

/// Every distinct event ID the state sets hold for `key`, sorted.
fn distinct_values(
    state_sets: &[StateMap<OwnedEventId>],
    key: &(StateEventType, String),
) -> Vec<OwnedEventId> {
    let mut values: Vec<OwnedEventId> = state_sets
        .iter()
        .filter_map(|s| s.get(key))
        .cloned()
        .collect();
    values.sort_unstable();
    values.dedup();
    values
}

/// A power event: `m.room.power_levels`, `m.room.join_rules`, or a kick/ban (`m.room.member`
/// with membership `leave` or `ban` whose sender is not the target).
pub(crate) fn is_power_event<E: Event>(event: &E, cache: &ParseCache) -> bool {
    match event.event_type() {
        TimelineEventType::RoomPowerLevels | TimelineEventType::RoomJoinRules => {
            event.state_key() == Some("")
        }
        TimelineEventType::RoomMember => {
            let membership = cache.content_str(event, "membership");
            matches!(membership.as_deref(), Some("leave" | "ban"))
                && event.state_key() != Some(event.sender().as_str())
        }
        _ => false,
    }
}

/// The `m.room.power_levels` event among an event's auth events, if any.
pub(crate) fn power_levels_auth_event<E: Event>(
    event: &E,
    fetch_event: &impl Fn(&EventId) -> Option<E>,
) -> Option<E> {
    event.auth_events().filter_map(fetch_event).find(|auth| {
        *auth.event_type() == TimelineEventType::RoomPowerLevels && auth.state_key() == Some("")
    })
}
