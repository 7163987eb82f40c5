//! Room state storage: state groups (a snapshot as a delta on a parent
//! group, with a full snapshot every `MAX_CHAIN` links) over short numeric
//! IDs for state keys and events, and the caches that keep reads cheap.

mod resolve;

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
};

use plexus_core::Pdu;
use plexus_storage::{Batch, Db, Json};

use crate::{
    records::StateGroupRecord,
    tables::{
        Events, ShortEventIds, ShortEventIdsRev, ShortStateKeys, ShortStateKeysRev, StateGroups,
    },
    Result, ServiceError, Services,
};

/// Delta links before a group is written as a full snapshot.
pub(crate) const MAX_CHAIN: u32 = 64;
const MAX_CACHED_GROUPS: usize = 4096;
const MAX_CACHED_EVENTS: usize = 32_768;

/// State as short IDs: short state key → short event ID.
pub type ShortStateMap = HashMap<u64, u64>;
/// State as (event type, state key) → event ID.
pub type StateMap = HashMap<(String, String), String>;

pub struct StateCache {
    groups: Mutex<HashMap<u64, Arc<ShortStateMap>>>,
    events: Mutex<HashMap<String, Arc<Pdu>>>,
    state_keys_rev: Mutex<HashMap<u64, (String, String)>>,
    event_ids_rev: Mutex<HashMap<u64, String>>,
    /// Serializes allocation of short state keys, which are shared by all rooms.
    state_key_alloc: Mutex<()>,
    next_short_event: AtomicU64,
    pub(crate) next_group: AtomicU64,
}

impl StateCache {
    /// Resumes the ID allocators after the highest IDs on disk.
    pub fn open(db: &Db) -> Result<StateCache> {
        let last_event = db.last_key::<ShortEventIdsRev>()?.unwrap_or(0);
        let last_group = db.last_key::<StateGroups>()?.unwrap_or(0);
        Ok(StateCache {
            groups: Mutex::default(),
            events: Mutex::default(),
            state_keys_rev: Mutex::default(),
            event_ids_rev: Mutex::default(),
            state_key_alloc: Mutex::default(),
            next_short_event: AtomicU64::new(last_event + 1),
            next_group: AtomicU64::new(last_group + 1),
        })
    }
}

fn bounded_insert<K: std::hash::Hash + Eq, V>(
    map: &mut HashMap<K, V>,
    key: K,
    value: V,
    max: usize,
) {
    if map.len() >= max {
        map.clear();
    }
    map.insert(key, value);
}

impl Services {
    /// The short ID of a (type, state key), allocating one if new.
    pub fn short_state_key(&self, kind: &str, state_key: &str) -> Result<u64> {
        let key = (kind.to_owned(), state_key.to_owned());
        if let Some(id) = self.db.get::<ShortStateKeys>(&key)? {
            return Ok(id);
        }
        let _guard = self
            .state_cache
            .state_key_alloc
            .lock()
            .expect("alloc lock poisoned");
        if let Some(id) = self.db.get::<ShortStateKeys>(&key)? {
            return Ok(id);
        }
        let id = self.db.last_key::<ShortStateKeysRev>()?.unwrap_or(0) + 1;
        // Written on its own: an unused mapping after a crash is harmless.
        let mut batch = self.db.batch();
        batch.put::<ShortStateKeys>(&key, &id)?;
        batch.put::<ShortStateKeysRev>(&id, &Json(key))?;
        self.db.write(batch)?;
        Ok(id)
    }

    /// Looks up a short state key without allocating.
    pub fn existing_short_state_key(&self, kind: &str, state_key: &str) -> Result<Option<u64>> {
        Ok(self
            .db
            .get::<ShortStateKeys>(&(kind.to_owned(), state_key.to_owned()))?)
    }

    pub fn state_key_of(&self, short: u64) -> Result<(String, String)> {
        if let Some(hit) = self
            .state_cache
            .state_keys_rev
            .lock()
            .expect("poisoned")
            .get(&short)
        {
            return Ok(hit.clone());
        }
        let Json(key) = self
            .db
            .get::<ShortStateKeysRev>(&short)?
            .ok_or_else(|| ServiceError::internal(format!("dangling short state key {short}")))?;
        let mut cache = self.state_cache.state_keys_rev.lock().expect("poisoned");
        bounded_insert(&mut cache, short, key.clone(), MAX_CACHED_EVENTS);
        Ok(key)
    }

    /// Allocates the short ID of a new event; the caller writes it in its batch.
    pub fn new_short_event_id(&self, batch: &mut Batch<'_>, event_id: &str) -> Result<u64> {
        let id = self
            .state_cache
            .next_short_event
            .fetch_add(1, Ordering::SeqCst);
        batch.put::<ShortEventIds>(&event_id.to_owned(), &id)?;
        batch.put::<ShortEventIdsRev>(&id, &event_id.to_owned())?;
        // Readable before the batch lands, like new groups.
        let mut cache = self.state_cache.event_ids_rev.lock().expect("poisoned");
        bounded_insert(&mut cache, id, event_id.to_owned(), MAX_CACHED_EVENTS);
        Ok(id)
    }

    pub fn short_event_id(&self, event_id: &str) -> Result<Option<u64>> {
        Ok(self.db.get::<ShortEventIds>(&event_id.to_owned())?)
    }

    pub fn event_id_of(&self, short: u64) -> Result<String> {
        if let Some(hit) = self
            .state_cache
            .event_ids_rev
            .lock()
            .expect("poisoned")
            .get(&short)
        {
            return Ok(hit.clone());
        }
        let id = self
            .db
            .get::<ShortEventIdsRev>(&short)?
            .ok_or_else(|| ServiceError::internal(format!("dangling short event id {short}")))?;
        let mut cache = self.state_cache.event_ids_rev.lock().expect("poisoned");
        bounded_insert(&mut cache, short, id.clone(), MAX_CACHED_EVENTS);
        Ok(id)
    }

    /// The full short state map of a group (walking its delta chain once, then cached).
    pub fn state_group(&self, group: u64) -> Result<Arc<ShortStateMap>> {
        if group == 0 {
            return Ok(Arc::default());
        }
        if let Some(hit) = self
            .state_cache
            .groups
            .lock()
            .expect("poisoned")
            .get(&group)
        {
            return Ok(hit.clone());
        }
        let Json(record) = self
            .db
            .get::<StateGroups>(&group)?
            .ok_or_else(|| ServiceError::internal(format!("missing state group {group}")))?;
        let mut map = match record.parent {
            Some(parent) => (*self.state_group(parent)?).clone(),
            None => ShortStateMap::new(),
        };
        for removed in &record.removed {
            map.remove(removed);
        }
        map.extend(record.set.iter().copied());
        let map = Arc::new(map);
        let mut cache = self.state_cache.groups.lock().expect("poisoned");
        bounded_insert(&mut cache, group, map.clone(), MAX_CACHED_GROUPS);
        Ok(map)
    }

    /// Writes a group that sets `changes` on top of `parent`; returns its ID.
    /// The group's state is cached at once, so it can be read before the
    /// batch is written (a received event resolves against it in the same batch).
    pub fn new_state_group(
        &self,
        batch: &mut Batch<'_>,
        parent: u64,
        changes: &[(u64, u64)],
    ) -> Result<u64> {
        let id = self.state_cache.next_group.fetch_add(1, Ordering::SeqCst);
        let parent_chain = match parent {
            0 => None,
            p => Some(
                self.db
                    .get::<StateGroups>(&p)?
                    .map(|j| j.0.chain)
                    .unwrap_or(0),
            ),
        };
        let mut full = (*self.state_group(parent)?).clone();
        full.extend(changes.iter().copied());
        let record = match parent_chain {
            Some(chain) if chain < MAX_CHAIN => StateGroupRecord {
                parent: Some(parent),
                chain: chain + 1,
                set: changes.to_vec(),
                removed: vec![],
            },
            _ => StateGroupRecord {
                parent: None,
                chain: 0,
                set: full.iter().map(|(k, v)| (*k, *v)).collect(),
                removed: vec![],
            },
        };
        batch.put::<StateGroups>(&id, &Json(record))?;
        self.remember_group(id, full);
        Ok(id)
    }

    /// Caches the full state of a group that is about to be written.
    pub(crate) fn remember_group(&self, id: u64, map: ShortStateMap) {
        let mut cache = self.state_cache.groups.lock().expect("poisoned");
        bounded_insert(&mut cache, id, Arc::new(map), MAX_CACHED_GROUPS);
    }

    /// The event filling one state slot in a group.
    pub fn state_event_in_group(
        &self,
        group: u64,
        kind: &str,
        state_key: &str,
    ) -> Result<Option<Arc<Pdu>>> {
        let Some(short_key) = self.existing_short_state_key(kind, state_key)? else {
            return Ok(None);
        };
        match self.state_group(group)?.get(&short_key) {
            Some(short_event) => self.pdu(&self.event_id_of(*short_event)?),
            None => Ok(None),
        }
    }

    /// Every state event of a group.
    pub fn state_events_in_group(&self, group: u64) -> Result<Vec<Arc<Pdu>>> {
        let map = self.state_group(group)?;
        let mut out = Vec::with_capacity(map.len());
        for short_event in map.values() {
            if let Some(pdu) = self.pdu(&self.event_id_of(*short_event)?)? {
                out.push(pdu);
            }
        }
        Ok(out)
    }

    /// A stored PDU by ID.
    pub fn pdu(&self, event_id: &str) -> Result<Option<Arc<Pdu>>> {
        if let Some(hit) = self
            .state_cache
            .events
            .lock()
            .expect("poisoned")
            .get(event_id)
        {
            return Ok(Some(hit.clone()));
        }
        let Some(bytes) = self.db.get::<Events>(&event_id.to_owned())? else {
            return Ok(None);
        };
        let id = ruma::EventId::parse(event_id).map_err(ServiceError::internal)?;
        let pdu = Arc::new(Pdu::from_stored(id, &bytes).map_err(ServiceError::internal)?);
        self.cache_pdu(pdu.clone());
        Ok(Some(pdu))
    }

    pub(crate) fn cache_pdu(&self, pdu: Arc<Pdu>) {
        let mut cache = self.state_cache.events.lock().expect("poisoned");
        bounded_insert(&mut cache, pdu.event_id.to_string(), pdu, MAX_CACHED_EVENTS);
    }
}
