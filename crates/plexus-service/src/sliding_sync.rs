//! Simplified sliding sync (MSC4186): room lists sorted by `bump_stamp`,
//! cut to ranges, plus explicit room subscriptions; per room only what the
//! connection has not been sent yet (see `connection` for how that is
//! remembered); extensions for to-device, E2EE, account data, receipts and
//! typing. It reads the same stores as classic `/sync` and reuses its
//! timeline, unread counts and stripped state.

mod connection;
mod extensions;
mod filters;
mod lists;
mod request;
mod required_state;
mod room;

#[cfg(test)]
mod tests;

pub use connection::{ConnectionRecord, Position, RoomSent, MAX_CONNECTIONS_PER_DEVICE};
pub use request::{
    ExtensionsRequest, ListFilters, ListRequest, RoomConfig, ScopedExtension, SlidingSyncParams,
    SlidingSyncRequest, ToDeviceRequest, Toggle,
};

use std::{
    collections::{BTreeMap, BTreeSet, HashMap, HashSet},
    time::Duration,
};

use ruma::UserId;
use serde_json::{json, Map, Value};

use connection::ConnectionKey;
use extensions::ExtensionScope;
use lists::Candidate;
use room::RoomRequest;

use crate::{Result, Services};

/// Longest long-poll honoured.
const MAX_TIMEOUT: Duration = Duration::from_secs(300);

/// One computed response, before its position is stored.
struct Built {
    lists: Map<String, Value>,
    rooms: Map<String, Value>,
    extensions: Map<String, Value>,
    position: Position,
    has_content: bool,
}

impl Services {
    /// Answers one request, waiting up to its timeout when the connection
    /// has nothing new (never on a new connection).
    pub async fn sliding_sync(
        &self,
        user: &UserId,
        device: &str,
        params: SlidingSyncParams,
    ) -> Result<Value> {
        if params.set_presence.as_deref() != Some("offline") {
            let presence = params.set_presence.as_deref().unwrap_or("online");
            self.touch_presence(user, presence)?;
        }
        let conn_id = params.body.conn_id.clone().unwrap_or_default();
        let key: ConnectionKey = (user.to_string(), device.to_owned(), conn_id);
        let prev = self.load_position(&key, params.pos.as_deref())?;
        let mut changes = self.stream.subscribe();
        let deadline = tokio::time::Instant::now() + params.timeout.min(MAX_TIMEOUT);
        let built = loop {
            changes.borrow_and_update();
            let current = self.stream.current();
            let built = self.build_sliding(user, device, &params.body, prev.as_ref(), current)?;
            let may_wait = prev.is_some() && !built.has_content && !self.stream.is_closing();
            if !may_wait {
                break built;
            }
            // Typing notices expire without a stream write: wake at the expiry.
            let wake = match self.next_typing_expiry(user)? {
                Some(expiry) => deadline.min(tokio::time::Instant::from_std(expiry)),
                None => deadline,
            };
            match tokio::time::timeout_at(wake, changes.changed()).await {
                Ok(Ok(())) => continue,
                Err(_) if wake < deadline => continue,
                _ => break built,
            }
        };
        // Two requests on one connection at once must not interleave their
        // read-modify-write of its record (one per connection, not global).
        let lock = self.room_lock(&format!("\0sliding-sync:{}:{}:{}", key.0, key.1, key.2));
        let _guard = lock.lock().await;
        self.finish_sliding(&key, &params, prev.as_ref(), built)
    }

    /// Stores the new position (an empty answer keeps the old `pos`) and
    /// assembles the response.
    fn finish_sliding(
        &self,
        key: &ConnectionKey,
        params: &SlidingSyncParams,
        prev: Option<&Position>,
        built: Built,
    ) -> Result<Value> {
        let pos = match (prev, &params.pos) {
            (Some(_), Some(pos)) if !built.has_content => pos.clone(),
            _ => self.store_position(key, prev, built.position)?,
        };
        let mut response = json!({
            "pos": pos,
            "lists": built.lists,
            "rooms": built.rooms,
            "extensions": built.extensions,
        });
        if let Some(txn_id) = &params.body.txn_id {
            response["txn_id"] = json!(txn_id);
        }
        Ok(response)
    }

    fn build_sliding(
        &self,
        user: &UserId,
        device: &str,
        req: &SlidingSyncRequest,
        prev: Option<&Position>,
        current: u64,
    ) -> Result<Built> {
        let ignored = self.ignored_users(user)?;
        let candidates = self.sliding_candidates(user, prev, &ignored)?;
        let facts = self.filter_facts(user)?;
        let SelectedLists {
            mut wanted,
            list_rooms,
            lists,
            list_counts,
        } = self.select_lists(user, req, &candidates, &facts)?;
        let by_room: HashMap<&str, &Candidate> =
            candidates.iter().map(|c| (c.room.as_str(), c)).collect();
        let mut subscribed = BTreeSet::new();
        for (room, config) in &req.room_subscriptions {
            if by_room.contains_key(room.as_str()) {
                wanted.entry(room.clone()).or_default().merge(config);
                subscribed.insert(room.clone());
            }
        }
        let mut position = Position {
            generation: 0,
            stream: current,
            rooms: prev.map(|p| p.rooms.clone()).unwrap_or_default(),
            list_counts,
        };
        let ctx = RoomsContext {
            user,
            device,
            prev,
            current,
            ignored: &ignored,
            facts: &facts,
        };
        let (rooms, initial) = self.sliding_rooms(&ctx, &wanted, &by_room, &mut position)?;
        let scope = ExtensionScope {
            lists: &list_rooms,
            subscribed: &subscribed,
            initial: &initial,
            rooms: &rooms,
        };
        let pos_stream = prev.map(|p| p.stream);
        let extensions =
            self.sliding_extensions(user, device, &req.extensions, &scope, pos_stream, current)?;
        let counts_moved = prev.is_none_or(|p| p.list_counts != position.list_counts);
        Ok(Built {
            has_content: counts_moved || !rooms.is_empty() || extensions.has_news,
            lists,
            rooms,
            extensions: extensions.value,
            position,
        })
    }

    /// Each list's rooms: filtered, counted, cut to its ranges.
    fn select_lists(
        &self,
        user: &UserId,
        req: &SlidingSyncRequest,
        candidates: &[Candidate],
        facts: &filters::FilterFacts,
    ) -> Result<SelectedLists> {
        let mut selected = SelectedLists::default();
        for (name, list) in &req.lists {
            let children = self.children_of_spaces(user, &list.filters.spaces)?;
            let mut filtered = Vec::new();
            for cand in candidates {
                if self.passes_filters(user, cand, &list.filters, facts, &children)? {
                    filtered.push(cand);
                }
            }
            let in_range = lists::in_ranges(list.ranges.as_deref(), &filtered);
            for cand in &in_range {
                let config = selected.wanted.entry(cand.room.clone()).or_default();
                config.merge(&list.room);
            }
            let rooms = in_range.iter().map(|c| c.room.clone()).collect();
            selected.list_rooms.insert(name.clone(), rooms);
            let count = filtered.len();
            selected
                .lists
                .insert(name.clone(), json!({ "count": count }));
            selected.list_counts.insert(name.clone(), count as u64);
        }
        Ok(selected)
    }

    /// The responses of the wanted rooms; records what was sent in `position`
    /// and returns the rooms sent whole.
    fn sliding_rooms(
        &self,
        ctx: &RoomsContext<'_>,
        wanted: &BTreeMap<String, RoomConfig>,
        by_room: &HashMap<&str, &Candidate>,
        position: &mut Position,
    ) -> Result<(Map<String, Value>, BTreeSet<String>)> {
        let mut rooms = Map::new();
        let mut initial = BTreeSet::new();
        for (room, config) in wanted {
            let Some(candidate) = by_room.get(room.as_str()) else {
                continue;
            };
            let request = RoomRequest {
                user: ctx.user,
                device: ctx.device,
                candidate,
                config,
                prev: ctx.prev.and_then(|p| p.rooms.get(room)),
                pos_stream: ctx.prev.map(|p| p.stream),
                current: ctx.current,
                ignored: ctx.ignored,
                is_dm: self.candidate_is_dm(candidate, ctx.facts)?,
            };
            if let Some(update) = self.sliding_room(&request)? {
                if update.initial {
                    initial.insert(room.clone());
                }
                rooms.insert(room.clone(), update.value);
                position.rooms.insert(room.clone(), update.sent);
            }
        }
        Ok((rooms, initial))
    }
}

/// The lists of one response.
#[derive(Default)]
struct SelectedLists {
    /// Room → the union of the configurations of the lists it is in range of.
    wanted: BTreeMap<String, RoomConfig>,
    /// List name → rooms in its ranges.
    list_rooms: BTreeMap<String, Vec<String>>,
    /// The response's `lists` (counts).
    lists: Map<String, Value>,
    list_counts: BTreeMap<String, u64>,
}

/// What every room of one response shares.
struct RoomsContext<'a> {
    user: &'a UserId,
    device: &'a str,
    prev: Option<&'a Position>,
    current: u64,
    ignored: &'a HashSet<String>,
    facts: &'a filters::FilterFacts,
}
