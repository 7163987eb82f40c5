//! State resolution v2 (room versions 2–11) and v2.1 (room version 12).

use std::collections::HashSet;

use ruma::{
    events::StateEventType,
    room_version_rules::{AuthorizationRules, StateResolutionV2Rules},
    EventId, OwnedEventId,
};

use super::ResolveOptions;
use super::{
    is_power_event,
    iterative::iterative_auth_checks,
    layered::LayeredState,
    ordering::{mainline_sort, reverse_topological_power_sort},
    split_conflicted,
    subgraph::conflicted_state_subgraph,
};
use crate::{auth::ParseCache, Event, ResolveError, StateMap};

/// The spec's five-step algorithm.
pub(super) fn resolve<E: Event + Clone>(
    options: ResolveOptions,
    auth_rules: &AuthorizationRules,
    v2_rules: &StateResolutionV2Rules,
    state_sets: &[StateMap<OwnedEventId>],
    auth_chains: Vec<HashSet<OwnedEventId>>,
    fetch_event: &impl Fn(&EventId) -> Option<E>,
) -> Result<StateMap<OwnedEventId>, ResolveError> {
    let (unconflicted, conflicted) = split_conflicted(state_sets);
    if conflicted.is_empty() {
        return Ok(unconflicted);
    }
    let full_conflicted = full_conflicted_set(v2_rules, &conflicted, auth_chains, fetch_event);
    // One parse per event content for the whole resolution.
    // The rules read the full conflicted set's contents and a few more (the create event,
    // unconflicted memberships and join rules).
    let cache = ParseCache::with_capacity(full_conflicted.len() + 16);

    // Step 1: power events plus the parts of their auth chains in the full conflicted set,
    // in reverse topological power order.
    let power_events =
        power_events_with_auth_chains(options, &full_conflicted, fetch_event, &cache);
    let sorted_power =
        reverse_topological_power_sort(auth_rules, &power_events, fetch_event, &cache)?;

    // Step 2: iterative auth checks from the unconflicted state (v2) or nothing (v2.1).
    let base =
        (!v2_rules.begin_iterative_auth_checks_with_empty_state_map).then_some(&unconflicted);
    let initial = LayeredState::new(base);
    let partial = iterative_auth_checks(auth_rules, &sorted_power, initial, fetch_event, &cache)?;

    // Step 3: everything else, in mainline order of the partially resolved power levels.
    let remaining: Vec<&OwnedEventId> = full_conflicted.difference(&power_events).collect();
    let power_levels_key = (StateEventType::RoomPowerLevels, String::new());
    let resolved_power_levels = partial.get(&power_levels_key).map(|id| id.as_ref());
    let sorted_rest = mainline_sort(&remaining, resolved_power_levels, fetch_event)?;

    // Step 4: iterative auth checks on top of the partial state.
    let resolved = iterative_auth_checks(auth_rules, &sorted_rest, partial, fetch_event, &cache)?;

    // Step 5: the unconflicted state map wins wherever it has an entry.
    let overlay = resolved.into_overlay();
    let mut result = unconflicted;
    for (key, id) in overlay {
        result.entry(key).or_insert(id);
    }
    Ok(result)
}

/// Conflicted state set ∪ auth difference (∪ conflicted state subgraph in v2.1), without the
/// events that cannot be fetched (a server cannot verify those).
fn full_conflicted_set<E: Event>(
    v2_rules: &StateResolutionV2Rules,
    conflicted: &StateMap<Vec<OwnedEventId>>,
    auth_chains: Vec<HashSet<OwnedEventId>>,
    fetch_event: &impl Fn(&EventId) -> Option<E>,
) -> HashSet<OwnedEventId> {
    let mut full = auth_difference(auth_chains);
    let conflicted_ids = conflicted.values().flatten().cloned();
    if v2_rules.consider_conflicted_state_subgraph {
        // The subgraph includes the conflicted state set itself.
        full.extend(conflicted_state_subgraph(
            &conflicted_ids.collect(),
            fetch_event,
        ));
    } else {
        full.extend(conflicted_ids);
    }
    full.retain(|id| fetch_event(id).is_some());
    full
}

/// ∪ Cᵢ − ∩ Cᵢ.
fn auth_difference(auth_chains: Vec<HashSet<OwnedEventId>>) -> HashSet<OwnedEventId> {
    let Some(smallest) = auth_chains.iter().min_by_key(|chain| chain.len()) else {
        return HashSet::new();
    };
    let common: HashSet<&OwnedEventId> = smallest
        .iter()
        .filter(|id| auth_chains.iter().all(|chain| chain.contains(*id)))
        .collect();
    let mut difference = HashSet::new();
    for chain in &auth_chains {
        difference.extend(chain.iter().filter(|id| !common.contains(id)).cloned());
    }
    difference
}

/// Step 1's set X: the power events of the full conflicted set, enlarged with every event of
/// their auth chains that is also in the full conflicted set.
///
/// The spec walks each power event's whole auth chain. With
/// `walk_only_through_full_conflicted_set` the walk stops at events outside the full conflicted
/// set, as Synapse and ruma-state-res do; the two differ only when an auth chain leaves the
/// full conflicted set and re-enters it (see [`ResolveOptions`]).
fn power_events_with_auth_chains<E: Event>(
    options: ResolveOptions,
    full_conflicted: &HashSet<OwnedEventId>,
    fetch_event: &impl Fn(&EventId) -> Option<E>,
    cache: &ParseCache,
) -> HashSet<OwnedEventId> {
    let mut stack: Vec<OwnedEventId> = full_conflicted
        .iter()
        .filter(|id| fetch_event(id).is_some_and(|event| is_power_event(&event, cache)))
        .cloned()
        .collect();
    // One shared walk over the union of the auth chains: an event reached once need not be
    // walked again for another power event.
    let mut visited: HashSet<OwnedEventId> = stack.iter().cloned().collect();
    while let Some(id) = stack.pop() {
        let Some(event) = fetch_event(&id) else {
            continue;
        };
        for auth_id in event.auth_events() {
            let outside = !full_conflicted.contains(auth_id);
            if outside && options.walk_only_through_full_conflicted_set {
                continue;
            }
            if !visited.contains(auth_id) {
                visited.insert(auth_id.to_owned());
                stack.push(auth_id.to_owned());
            }
        }
    }
    visited.retain(|id| full_conflicted.contains(id));
    visited
}
