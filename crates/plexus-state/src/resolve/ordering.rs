//! The two orderings of state resolution v2: *reverse topological power ordering* and
//! *mainline ordering*.

use std::{
    cmp::Reverse,
    collections::{BinaryHeap, HashMap, HashSet},
};

use ruma::{
    events::TimelineEventType, room_version_rules::AuthorizationRules, EventId,
    MilliSecondsSinceUnixEpoch, OwnedEventId,
};

use super::power_levels_auth_event;
use crate::{auth::ParseCache, Event, ResolveError, UserPowerLevel};

/// Sorts `events` (already closed under "auth chain ∩ full conflicted set") so that each
/// event follows its auth events, choosing at each step the candidate whose sender has the
/// greatest power, then the smallest `origin_server_ts`, then the smallest event ID (Kahn's
/// algorithm, as the spec describes).
pub(crate) fn reverse_topological_power_sort<E: Event>(
    rules: &AuthorizationRules,
    events: &HashSet<OwnedEventId>,
    fetch_event: &impl Fn(&EventId) -> Option<E>,
    cache: &ParseCache,
) -> Result<Vec<OwnedEventId>, ResolveError> {
    // For each event: how many of its auth events in the set are still unsorted, and which
    // events in the set cite it.
    let mut pending_auth: HashMap<&EventId, usize> = HashMap::new();
    let mut cited_by: HashMap<&EventId, Vec<&EventId>> = HashMap::new();
    let mut sort_keys: HashMap<&EventId, PowerSortKey> = HashMap::new();
    for id in events {
        let event = fetch_event(id).ok_or_else(|| ResolveError::EventNotFound(id.clone()))?;
        let auth_in_set: HashSet<&EventId> = event
            .auth_events()
            .filter_map(|a| events.get(a).map(|a| a.as_ref()))
            .collect();
        pending_auth.insert(id, auth_in_set.len());
        for auth in auth_in_set {
            cited_by.entry(auth).or_default().push(id);
        }
        let power = sender_power_from_auth_events(rules, &event, fetch_event, cache);
        sort_keys.insert(id, (Reverse(power), event.origin_server_ts(), id.clone()));
    }
    let mut ready: BinaryHeap<Reverse<PowerSortKey>> = pending_auth
        .iter()
        .filter(|(_, pending)| **pending == 0)
        .map(|(id, _)| Reverse(sort_keys[id].clone()))
        .collect();
    let mut sorted = Vec::with_capacity(events.len());
    while let Some(Reverse((_, _, id))) = ready.pop() {
        for citing in cited_by.get(id.as_ref() as &EventId).into_iter().flatten() {
            let pending = pending_auth
                .get_mut(citing)
                .expect("every event has a count");
            *pending -= 1;
            if *pending == 0 {
                ready.push(Reverse(sort_keys[citing].clone()));
            }
        }
        sorted.push(id);
    }
    Ok(sorted)
}

/// Sort key of the power ordering: greater power first, then earlier, then smaller ID.
type PowerSortKey = (
    Reverse<UserPowerLevel>,
    MilliSecondsSinceUnixEpoch,
    OwnedEventId,
);

/// The sender's power level "when looking at their respective auth_events".
pub(crate) fn sender_power_from_auth_events<E: Event>(
    rules: &AuthorizationRules,
    event: &E,
    fetch_event: &impl Fn(&EventId) -> Option<E>,
    cache: &ParseCache,
) -> UserPowerLevel {
    let create = room_create_for(rules, event, fetch_event);
    let creators = create.and_then(|create| cache.creators(rules, &create).ok());
    let is_creator = creators
        .as_ref()
        .is_some_and(|c| c.contains(event.sender()));
    if is_creator && rules.explicitly_privilege_room_creators {
        return UserPowerLevel::Infinite;
    }
    let power_levels = power_levels_auth_event(event, fetch_event)
        .and_then(|pl| cache.power_levels(rules, &pl).ok());
    match power_levels {
        Some(levels) => UserPowerLevel::Int(levels.user_level(event.sender())),
        None if is_creator => UserPowerLevel::Int(100),
        None => UserPowerLevel::Int(0),
    }
}

/// The room's create event as seen from `event`: named by the room ID from v12, cited in
/// `auth_events` before.
fn room_create_for<E: Event>(
    rules: &AuthorizationRules,
    event: &E,
    fetch_event: &impl Fn(&EventId) -> Option<E>,
) -> Option<E> {
    if rules.room_create_event_id_as_room_id {
        let room_id = event.room_id()?;
        let create_id = EventId::parse(format!("${}", room_id.as_str().trim_start_matches('!')));
        return fetch_event(&create_id.ok()?);
    }
    event.auth_events().filter_map(fetch_event).find(|auth| {
        *auth.event_type() == TimelineEventType::RoomCreate && auth.state_key() == Some("")
    })
}

/// Orders `events` by mainline position relative to `power_levels` (the resolved power levels
/// event), then `origin_server_ts`, then event ID.
pub(crate) fn mainline_sort<E: Event>(
    events: &[&OwnedEventId],
    power_levels: Option<&EventId>,
    fetch_event: &impl Fn(&EventId) -> Option<E>,
) -> Result<Vec<OwnedEventId>, ResolveError> {
    let mainline = mainline_of(power_levels, fetch_event);
    let mut keyed = Vec::with_capacity(events.len());
    for &id in events {
        let event = fetch_event(id).ok_or_else(|| ResolveError::EventNotFound(id.clone()))?;
        let position = mainline_position(&event, &mainline, fetch_event);
        // A greater mainline position (an older base) sorts first; `None` is ∞.
        let position_key = Reverse(position.map_or(usize::MAX, |p| p));
        keyed.push((position_key, event.origin_server_ts(), id.clone()));
    }
    keyed.sort_unstable();
    Ok(keyed.into_iter().map(|(_, _, id)| id).collect())
}

/// The mainline of P0: P0 then each successive power levels auth event, mapped to its index.
fn mainline_of<E: Event>(
    power_levels: Option<&EventId>,
    fetch_event: &impl Fn(&EventId) -> Option<E>,
) -> HashMap<OwnedEventId, usize> {
    let mut mainline = HashMap::new();
    let mut current = power_levels.and_then(fetch_event);
    while let Some(event) = current {
        if mainline
            .insert(event.event_id().to_owned(), mainline.len())
            .is_some()
        {
            break; // A cycle would be a malformed DAG; stop rather than loop forever.
        }
        current = power_levels_auth_event(&event, fetch_event);
    }
    mainline
}

/// The mainline position of `event`: the index in the mainline of the first of e1, e2, … (the
/// chain of power levels auth events, excluding the event itself) that lies on the mainline.
fn mainline_position<E: Event>(
    event: &E,
    mainline: &HashMap<OwnedEventId, usize>,
    fetch_event: &impl Fn(&EventId) -> Option<E>,
) -> Option<usize> {
    let mut current = power_levels_auth_event(event, fetch_event);
    let mut steps = 0;
    while let Some(power_levels) = current {
        if let Some(&index) = mainline.get(power_levels.event_id()) {
            return Some(index);
        }
        steps += 1;
        if steps > mainline.len() + 10_000 {
            return None; // Defensive bound against cyclic (malformed) auth graphs.
        }
        current = power_levels_auth_event(&power_levels, fetch_event);
    }
    None
}
