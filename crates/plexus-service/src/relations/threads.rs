//! Threads: `GET /rooms/{roomId}/threads` (thread roots ordered by their
//! latest reply) and which thread an event belongs to (for threaded read
//! receipts and per-thread notification counts).

use std::collections::HashMap;

use plexus_core::Pdu;
use plexus_storage::{Direction, Json};
use ruma::RoomId;
use serde_json::Value;

use crate::{tables::RoomRelations, timeline::Viewer, Result, Services};

/// Most relation rows of a room `/threads` reads to find the thread roots.
const MAX_SCANNED_RELATIONS: usize = 100_000;
/// How many `m.relates_to` hops lead from an event to its thread root (the spec recommends 3).
pub const MAX_THREAD_HOPS: usize = 3;
/// The thread ID of events outside any thread.
pub const MAIN_THREAD: &str = "main";

/// What `/threads` asks for.
#[derive(Clone, Copy, Debug)]
pub struct ThreadsQuery {
    /// Only threads the viewer took part in (`include=participated`).
    pub participated_only: bool,
    /// Token from a previous page: threads whose latest reply is older than it.
    pub from: Option<u64>,
    pub limit: usize,
}

/// A page of `/threads`.
#[derive(Debug)]
pub struct ThreadsPage {
    pub chunk: Vec<Value>,
    pub next_batch: Option<u64>,
}

impl Services {
    /// `/threads`: visible thread roots (with their bundled aggregations),
    /// the most recently active first.
    pub fn threads(
        &self,
        viewer: Viewer<'_>,
        room_id: &RoomId,
        query: ThreadsQuery,
    ) -> Result<ThreadsPage> {
        self.readable_state_group(room_id, viewer.user)?;
        let mut roots: Vec<(u64, String)> = self
            .thread_activity(room_id)?
            .into_iter()
            .map(|(r, s)| (s, r))
            .collect();
        roots.sort_by(|a, b| b.cmp(a));
        let ignored = self.ignored_users(viewer.user)?;
        let mut chunk = Vec::new();
        let mut next_batch = None;
        let mut last = None;
        for (latest, root) in roots {
            if query.from.is_some_and(|from| latest >= from) {
                continue;
            }
            if chunk.len() >= query.limit {
                next_batch = last;
                break;
            }
            let Some((pdu, meta)) = self.visible_event(viewer.user, &root)? else {
                continue;
            };
            let mut event = self.render_event(&pdu, &meta, viewer, true)?;
            if ignored.contains(pdu.sender.as_str()) {
                // The spec: a root sent by an ignored user is returned redacted,
                // as a client aggregating the thread locally would show it.
                event["content"] = self.redacted_copy(&pdu)?.content_value();
                if let Some(relations) = event["unsigned"]["m.relations"].as_object_mut() {
                    relations.remove("m.replace");
                }
            }
            let thread = &event["unsigned"]["m.relations"]["m.thread"];
            if thread.is_null() {
                // No reply the viewer may see: not a thread for them.
                continue;
            }
            if query.participated_only && thread["current_user_participated"] != true {
                continue;
            }
            last = Some(latest);
            chunk.push(event);
        }
        Ok(ThreadsPage { chunk, next_batch })
    }

    /// Thread root → stream position of its latest `m.thread` reply.
    fn thread_activity(&self, room_id: &RoomId) -> Result<HashMap<String, u64>> {
        let mut latest: HashMap<String, u64> = HashMap::new();
        let rows = self
            .db
            .scan::<RoomRelations, _>(&(room_id.to_string(),), Direction::Forward)?;
        for row in rows.take(MAX_SCANNED_RELATIONS) {
            let ((_, parent, stream), Json((_, rel_type))) = row?;
            if rel_type == "m.thread" {
                let entry = latest.entry(parent).or_default();
                *entry = (*entry).max(stream);
            }
        }
        Ok(latest)
    }

    /// The thread an event is in: its root's event ID, found by following
    /// `m.relates_to` at most [`MAX_THREAD_HOPS`] times until an `m.thread`
    /// relation; `None` for the main timeline (thread roots included).
    pub fn thread_of(&self, pdu: &Pdu) -> Result<Option<String>> {
        let mut content = pdu.content_value();
        for hop in 0..MAX_THREAD_HOPS {
            let Some(relation) = content.get("m.relates_to") else {
                return Ok(None);
            };
            let Some(parent) = relation.get("event_id").and_then(Value::as_str) else {
                return Ok(None);
            };
            if relation.get("rel_type").and_then(Value::as_str) == Some("m.thread") {
                return Ok(Some(parent.to_owned()));
            }
            if hop + 1 == MAX_THREAD_HOPS {
                break;
            }
            let Some(parent_pdu) = self.pdu(parent)? else {
                return Ok(None);
            };
            content = parent_pdu.content_value();
        }
        Ok(None)
    }
}
