//! State groups for states that did not come from one local append: a state
//! received whole (from `/send_join` or `/state_ids`), and the resolution of
//! forked states with the room version's algorithm (plexus-state).

use std::{
    collections::{HashMap, HashSet},
    sync::{atomic::Ordering, Arc},
};

use plexus_core::Pdu;
use plexus_storage::{Batch, Json};
use ruma::{events::StateEventType, room_version_rules::RoomVersionRules, OwnedEventId};

use super::{ShortStateMap, MAX_CHAIN};
use crate::{
    records::StateGroupRecord,
    tables::{ShortEventIds, StateGroups},
    Result, ServiceError, Services,
};

/// Auth-chain walks stop here: a room's auth DAG is far smaller, so hitting
/// it means a malformed or hostile DAG.
const MAX_AUTH_CHAIN: usize = 200_000;

impl Services {
    /// The short ID of an event, allocating one in `batch` if it has none.
    /// `fresh` remembers IDs allocated in this batch, so an event named twice
    /// before the batch is written gets one ID.
    pub fn short_event_id_or_new(
        &self,
        batch: &mut Batch<'_>,
        fresh: &mut HashMap<String, u64>,
        event_id: &str,
    ) -> Result<u64> {
        if let Some(id) = fresh.get(event_id) {
            return Ok(*id);
        }
        if let Some(id) = self.db.get::<ShortEventIds>(&event_id.to_owned())? {
            return Ok(id);
        }
        let id = self.new_short_event_id(batch, event_id)?;
        fresh.insert(event_id.to_owned(), id);
        Ok(id)
    }

    /// Writes a group holding exactly `state`, as a delta on `base` (0: none).
    pub fn new_state_group_exact(
        &self,
        batch: &mut Batch<'_>,
        base: u64,
        state: &ShortStateMap,
    ) -> Result<u64> {
        let base_map = self.state_group(base)?;
        let set: Vec<(u64, u64)> = state
            .iter()
            .filter(|(k, v)| base_map.get(k) != Some(v))
            .map(|(k, v)| (*k, *v))
            .collect();
        let removed: Vec<u64> = base_map
            .keys()
            .filter(|k| !state.contains_key(k))
            .copied()
            .collect();
        let chain = match base {
            0 => None,
            b => self.db.get::<StateGroups>(&b)?.map(|j| j.0.chain),
        };
        let record = match chain {
            Some(chain) if chain < MAX_CHAIN => StateGroupRecord {
                parent: Some(base),
                chain: chain + 1,
                set,
                removed,
            },
            _ => StateGroupRecord {
                parent: None,
                chain: 0,
                set: state.iter().map(|(k, v)| (*k, *v)).collect(),
                removed: vec![],
            },
        };
        let id = self.state_cache.next_group.fetch_add(1, Ordering::SeqCst);
        batch.put::<StateGroups>(&id, &Json(record))?;
        self.remember_group(id, state.clone());
        Ok(id)
    }

    /// The short state map of a list of stored state events.
    pub fn short_state_of(
        &self,
        batch: &mut Batch<'_>,
        fresh: &mut HashMap<String, u64>,
        events: &[Arc<Pdu>],
    ) -> Result<ShortStateMap> {
        let mut map = ShortStateMap::with_capacity(events.len());
        for pdu in events {
            let Some(state_key) = &pdu.state_key else {
                continue;
            };
            let key = self.short_state_key(&pdu.kind.to_string(), state_key)?;
            let event = self.short_event_id_or_new(batch, fresh, pdu.event_id.as_str())?;
            map.insert(key, event);
        }
        Ok(map)
    }

    /// Resolves the states of `groups` into one group. Identical groups need
    /// no resolution; otherwise the result is written as a new group.
    /// `fresh` holds short IDs allocated in `batch` (not yet readable).
    pub fn resolve_state_groups(
        &self,
        batch: &mut Batch<'_>,
        fresh: &HashMap<String, u64>,
        groups: &[u64],
        rules: &RoomVersionRules,
    ) -> Result<u64> {
        let mut distinct: Vec<u64> = groups.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        match distinct.as_slice() {
            [] => return Ok(0),
            [only] => return Ok(*only),
            _ => {}
        }
        let resolved = self.resolve_short_states(&distinct, fresh, rules)?;
        // Delta on the first input: a fork usually differs in a few keys.
        self.new_state_group_exact(batch, groups[0], &resolved)
    }

    /// State resolution over groups, in short IDs.
    fn resolve_short_states(
        &self,
        groups: &[u64],
        fresh: &HashMap<String, u64>,
        rules: &RoomVersionRules,
    ) -> Result<ShortStateMap> {
        let mut state_sets = Vec::with_capacity(groups.len());
        let mut auth_chains = Vec::with_capacity(groups.len());
        for group in groups {
            let set = self.state_map_of_group(*group)?;
            auth_chains.push(self.auth_chain_ids(set.values().cloned())?);
            state_sets.push(set);
        }
        let fetch = |id: &ruma::EventId| self.pdu(id.as_str()).ok().flatten();
        let resolved = plexus_state::resolve(rules, &state_sets, auth_chains, fetch)
            .map_err(|e| ServiceError::internal(format!("state resolution failed: {e}")))?;
        let mut map = ShortStateMap::with_capacity(resolved.len());
        for ((kind, state_key), event_id) in resolved {
            let key = self.short_state_key(&kind.to_string(), &state_key)?;
            let known = fresh.get(event_id.as_str()).copied();
            let event = known
                .or(self.short_event_id(event_id.as_str())?)
                .ok_or_else(|| {
                    ServiceError::internal(format!("resolved state names unknown {event_id}"))
                })?;
            map.insert(key, event);
        }
        Ok(map)
    }

    /// A group's state keyed the way plexus-state expects.
    pub fn state_map_of_group(&self, group: u64) -> Result<plexus_state::StateMap<OwnedEventId>> {
        let shorts = self.state_group(group)?;
        let mut map = plexus_state::StateMap::with_capacity(shorts.len());
        for (key, event) in shorts.iter() {
            let (kind, state_key) = self.state_key_of(*key)?;
            let id = OwnedEventId::try_from(self.event_id_of(*event)?)
                .map_err(ServiceError::internal)?;
            map.insert((StateEventType::from(kind), state_key), id);
        }
        Ok(map)
    }

    /// The auth chain of `start`: every event reachable from it through
    /// `auth_events` (the start events only if reachable so), over the
    /// stored events; an unknown event ends its path.
    pub fn auth_chain_ids(
        &self,
        start: impl IntoIterator<Item = OwnedEventId>,
    ) -> Result<HashSet<OwnedEventId>> {
        let mut seen: HashSet<OwnedEventId> = HashSet::new();
        let mut todo: Vec<OwnedEventId> = Vec::new();
        for id in start {
            if let Some(pdu) = self.pdu(id.as_str())? {
                todo.extend(pdu.auth_events.iter().cloned());
            }
        }
        while let Some(id) = todo.pop() {
            if seen.len() >= MAX_AUTH_CHAIN {
                return Err(ServiceError::internal("auth chain is implausibly large"));
            }
            if !seen.insert(id.clone()) {
                continue;
            }
            if let Some(pdu) = self.pdu(id.as_str())? {
                todo.extend(
                    pdu.auth_events
                        .iter()
                        .filter(|parent| !seen.contains(*parent))
                        .cloned(),
                );
            }
        }
        Ok(seen)
    }
}
