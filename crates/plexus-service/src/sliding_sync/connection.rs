//! Per-connection state, kept in the `sliding_sync_connections` table under
//! (user, device, `conn_id`). A `pos` names one generation of that state:
//! what the client was sent up to that response (rooms with the stream
//! position and configuration they were sent with, list counts). A request
//! answers relative to the generation its `pos` names; the answer's new
//! generation is stored beside it, and every older generation is dropped,
//! so a client retrying its last request still finds its `pos`, and a
//! `pos` from before that is unknown (`M_UNKNOWN_POS`). The few generations
//! newer than the answered one are kept: a request the client abandoned
//! may finish after the client moved on, and must not drop its new `pos`. A `pos` also names
//! the connection's epoch, a random ID drawn whenever the connection starts
//! anew, so it is never valid on another connection or after a restart of
//! the same one. Persisting (as
//! Synapse does) lets connections survive a restart; each device keeps at
//! most [`MAX_CONNECTIONS_PER_DEVICE`], the least recently used giving way.

use std::collections::{BTreeMap, BTreeSet};

use plexus_core::time::now_millis;
use plexus_storage::{Direction, Json};
use serde::{Deserialize, Serialize};

use crate::{tables::SlidingSyncConnections, Result, ServiceError, Services};

pub const MAX_CONNECTIONS_PER_DEVICE: usize = 10;
/// Generations newer than the answered one kept on a store (see `store_position`).
const MAX_NEWER_POSITIONS_KEPT: usize = 3;

/// The stored state of one connection.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ConnectionRecord {
    /// Drawn when the connection (re)starts; part of every `pos`.
    #[serde(default)]
    pub epoch: String,
    pub last_generation: u64,
    pub last_used_ms: u64,
    /// At most two: the one the last request answered and the one it produced.
    pub positions: Vec<Position>,
}

/// What the client knows after the response that produced this generation.
/// Stored with each distinct `required_state` written once (see [`StoredPosition`]).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(into = "StoredPosition", from = "StoredPosition")]
pub struct Position {
    pub generation: u64,
    /// The global stream position the response covered (extensions start after it).
    pub stream: u64,
    pub rooms: BTreeMap<String, RoomSent>,
    pub list_counts: BTreeMap<String, u64>,
}

/// What the client holds of one room.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct RoomSent {
    /// The room's events and state were sent up to this stream position.
    pub stream: u64,
    pub membership: String,
    pub required_state: Vec<(String, String)>,
    pub timeline_limit: usize,
    /// Members already sent for `$LAZY` (bounded, see `MAX_LAZY_REMEMBERED`).
    #[serde(default)]
    pub lazy_members: BTreeSet<String>,
    pub notification_count: u64,
    pub highlight_count: u64,
    /// The `bump_stamp` sent: a room that moved is re-sent so clients re-sort.
    #[serde(default)]
    pub bump_stamp: u64,
}

/// The stored form of a [`Position`]: hundreds of rooms usually share a
/// few `required_state` lists, so each is kept once and rooms name it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct StoredPosition {
    generation: u64,
    stream: u64,
    list_counts: BTreeMap<String, u64>,
    required_states: Vec<Vec<(String, String)>>,
    rooms: BTreeMap<String, StoredRoom>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct StoredRoom {
    stream: u64,
    membership: String,
    /// Index into `required_states`.
    required_state: usize,
    timeline_limit: usize,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    lazy_members: BTreeSet<String>,
    notification_count: u64,
    highlight_count: u64,
    #[serde(default)]
    bump_stamp: u64,
}

impl From<Position> for StoredPosition {
    fn from(position: Position) -> Self {
        let mut required_states: Vec<Vec<(String, String)>> = Vec::new();
        let mut rooms = BTreeMap::new();
        for (room, sent) in position.rooms {
            let index = match required_states
                .iter()
                .position(|r| *r == sent.required_state)
            {
                Some(index) => index,
                None => {
                    required_states.push(sent.required_state);
                    required_states.len() - 1
                }
            };
            let stored = StoredRoom {
                stream: sent.stream,
                membership: sent.membership,
                required_state: index,
                timeline_limit: sent.timeline_limit,
                lazy_members: sent.lazy_members,
                notification_count: sent.notification_count,
                highlight_count: sent.highlight_count,
                bump_stamp: sent.bump_stamp,
            };
            rooms.insert(room, stored);
        }
        StoredPosition {
            generation: position.generation,
            stream: position.stream,
            list_counts: position.list_counts,
            required_states,
            rooms,
        }
    }
}

impl From<StoredPosition> for Position {
    fn from(stored: StoredPosition) -> Self {
        let rooms = stored
            .rooms
            .into_iter()
            .map(|(room, r)| {
                let sent = RoomSent {
                    stream: r.stream,
                    membership: r.membership,
                    required_state: stored
                        .required_states
                        .get(r.required_state)
                        .cloned()
                        .unwrap_or_default(),
                    timeline_limit: r.timeline_limit,
                    lazy_members: r.lazy_members,
                    notification_count: r.notification_count,
                    highlight_count: r.highlight_count,
                    bump_stamp: r.bump_stamp,
                };
                (room, sent)
            })
            .collect();
        Position {
            generation: stored.generation,
            stream: stored.stream,
            rooms,
            list_counts: stored.list_counts,
        }
    }
}

/// Identifies a connection: (user, device, conn_id).
pub type ConnectionKey = (String, String, String);

const EPOCH_LEN: usize = 8;

pub fn make_pos(epoch: &str, generation: u64) -> String {
    format!("{epoch}_{generation}")
}

/// (epoch, generation) of a `pos`.
fn parse_pos(pos: &str) -> Option<(&str, u64)> {
    let (epoch, generation) = pos.split_once('_')?;
    Some((epoch, generation.parse().ok()?))
}

fn unknown_pos() -> ServiceError {
    ServiceError::UnknownPos("unknown or expired pos; start a new connection".into())
}

impl Services {
    /// The position a request continues from: `None` starts the connection
    /// anew; a `pos` this connection no longer holds is `M_UNKNOWN_POS`.
    pub(crate) fn load_position(
        &self,
        key: &ConnectionKey,
        pos: Option<&str>,
    ) -> Result<Option<Position>> {
        let Some(pos) = pos else {
            return Ok(None);
        };
        let (epoch, generation) = parse_pos(pos).ok_or_else(unknown_pos)?;
        let record = self.db.get::<SlidingSyncConnections>(key)?;
        record
            .filter(|Json(r)| r.epoch == epoch)
            .and_then(|Json(r)| r.positions.into_iter().find(|p| p.generation == generation))
            .map(Some)
            .ok_or_else(unknown_pos)
    }

    /// Stores `new` beside the position it answered (`None` for a new
    /// connection, which forgets every earlier position); returns its `pos`.
    /// The caller holds the connection's lock.
    pub(crate) fn store_position(
        &self,
        key: &ConnectionKey,
        answered: Option<&Position>,
        mut new: Position,
    ) -> Result<String> {
        let existing = self.db.get::<SlidingSyncConnections>(key)?.map(|j| j.0);
        let mut batch = self.db.batch();
        if existing.is_none() {
            self.stage_connection_eviction(&mut batch, key)?;
        }
        let mut record = existing.unwrap_or_default();
        if answered.is_none() {
            record.epoch = crate::users::random_string(EPOCH_LEN);
        }
        record.last_generation += 1;
        record.last_used_ms = now_millis();
        new.generation = record.last_generation;
        // Keep the generations stored after the answered one: a stale request
        // (one the client gave up on, still running here) must not drop the
        // position the client moved on to. Bounded: the newest few only.
        let newer: Vec<Position> = match answered {
            Some(a) => record
                .positions
                .iter()
                .filter(|p| p.generation > a.generation)
                .cloned()
                .collect(),
            None => Vec::new(),
        };
        let skip = newer.len().saturating_sub(MAX_NEWER_POSITIONS_KEPT);
        record.positions = answered
            .cloned()
            .into_iter()
            .chain(newer.into_iter().skip(skip))
            .chain([new])
            .collect();
        batch.put::<SlidingSyncConnections>(key, &Json(record.clone()))?;
        self.db.write(batch)?;
        Ok(make_pos(&record.epoch, record.last_generation))
    }

    /// Stages the removal of every connection of a device (it is being deleted).
    pub(crate) fn stage_sliding_sync_removal(
        &self,
        batch: &mut plexus_storage::Batch<'_>,
        user: &ruma::UserId,
        device: &str,
    ) -> Result<()> {
        let prefix = (user.to_string(), device.to_owned());
        for row in self
            .db
            .scan::<SlidingSyncConnections, _>(&prefix, Direction::Forward)?
        {
            batch.delete::<SlidingSyncConnections>(&row?.0)?;
        }
        Ok(())
    }

    /// Makes room for one more connection of the device by dropping its least
    /// recently used ones.
    fn stage_connection_eviction(
        &self,
        batch: &mut plexus_storage::Batch<'_>,
        key: &ConnectionKey,
    ) -> Result<()> {
        let prefix = (key.0.clone(), key.1.clone());
        let mut rows = Vec::new();
        for row in self
            .db
            .scan::<SlidingSyncConnections, _>(&prefix, Direction::Forward)?
        {
            let (row_key, Json(record)) = row?;
            rows.push((record.last_used_ms, row_key));
        }
        rows.sort();
        let excess = (rows.len() + 1).saturating_sub(MAX_CONNECTIONS_PER_DEVICE);
        for (_, row_key) in rows.into_iter().take(excess) {
            batch.delete::<SlidingSyncConnections>(&row_key)?;
        }
        Ok(())
    }
}
