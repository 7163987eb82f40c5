//! Reading the timeline: single events, `/messages` pagination, `/context`,
//! `/timestamp_to_event`, and the client rendering of an event (redaction
//! applied, `unsigned` filled for the viewer).

use std::sync::Arc;

use plexus_core::{time::now_millis, Pdu};
use plexus_storage::{Direction, KeyCodec};
use ruma::{RoomId, UserId};
use serde_json::{json, Value};

use crate::{
    events::rules_for, filters::EventFilter, records::EventMetaRecord, tables::RoomTimeline,
    Result, ServiceError, Services,
};

/// How deep bundled aggregations nest: a thread's latest event carries its own.
const AGGREGATION_DEPTH: usize = 2;
/// Most events one `/messages` request scans (visible or not) before returning.
const MAX_SCAN: usize = 2_000;

/// A page of `/messages`.
pub struct MessagesPage {
    pub chunk: Vec<Value>,
    pub start: u64,
    /// `None` when the start (or end) of the room was reached.
    pub end: Option<u64>,
    /// Member events of the chunk's senders, for lazy loading.
    pub state: Vec<Value>,
}

/// Where and how far `/messages` reads.
#[derive(Clone, Copy, Debug)]
pub struct PageRequest {
    /// Stream token to start from (exclusive forwards, inclusive backwards).
    pub from: u64,
    /// Stream token not to pass.
    pub to: Option<u64>,
    pub direction: Direction,
    pub limit: usize,
}

/// The viewer of an event: the transaction ID is echoed to the sending device only.
#[derive(Clone, Copy)]
pub struct Viewer<'a> {
    pub user: &'a UserId,
    pub device: Option<&'a str>,
}

impl Services {
    /// Renders an event for a client: redacted if needed, with `unsigned`
    /// (bundled aggregations included).
    pub fn render_event(
        &self,
        pdu: &Pdu,
        meta: &EventMetaRecord,
        viewer: Viewer<'_>,
        with_room_id: bool,
    ) -> Result<Value> {
        self.render_event_at_depth(pdu, meta, viewer, with_room_id, AGGREGATION_DEPTH)
    }

    /// [`Services::render_event`] with aggregations nested at most `depth` deep.
    pub(crate) fn render_event_at_depth(
        &self,
        pdu: &Pdu,
        meta: &EventMetaRecord,
        viewer: Viewer<'_>,
        with_room_id: bool,
        depth: usize,
    ) -> Result<Value> {
        let mut unsigned = serde_json::Map::new();
        unsigned.insert(
            "age".into(),
            json!(now_millis().saturating_sub(pdu.origin_server_ts)),
        );
        if let (Some((device, txn)), Some(viewer_device)) = (&meta.txn, viewer.device) {
            if pdu.sender == viewer.user && device == viewer_device {
                unsigned.insert("transaction_id".into(), json!(txn));
            }
        }
        let redacted;
        let shown: &Pdu = match &meta.redacted_by {
            Some(by) => {
                redacted = self.redacted_copy(pdu)?;
                if let Some(redaction) = self.pdu(by)? {
                    unsigned.insert(
                        "redacted_because".into(),
                        redaction.to_client_event(with_room_id, None),
                    );
                }
                &redacted
            }
            None => pdu,
        };
        if pdu.state_key.is_some() && meta.state_before != 0 {
            if let Some(prev) = self.state_event_in_group(
                meta.state_before,
                &pdu.kind.to_string(),
                pdu.state_key.as_deref().unwrap_or(""),
            )? {
                unsigned.insert("prev_content".into(), prev.content_value());
                unsigned.insert("replaces_state".into(), json!(prev.event_id));
            }
        }
        if depth > 0 {
            let redacted = meta.redacted_by.is_some();
            if let Some(relations) = self.bundled_aggregations(pdu, redacted, viewer, depth)? {
                unsigned.insert("m.relations".into(), relations);
            }
        }
        Ok(shown.to_client_event(with_room_id, Some(Value::Object(unsigned))))
    }

    pub(crate) fn redacted_copy(&self, pdu: &Pdu) -> Result<Pdu> {
        let room = self
            .room_record(&pdu.room_id)?
            .ok_or_else(|| ServiceError::internal("event of unknown room"))?;
        let rules = rules_for(&room.version)?;
        let json = ruma::canonical_json::redact(pdu.json.clone(), &rules.redaction, None)
            .map_err(ServiceError::internal)?;
        Pdu::from_json(pdu.event_id.clone(), json).map_err(ServiceError::internal)
    }

    /// An event with its metadata, if the user may see it.
    pub fn visible_event(
        &self,
        user: &UserId,
        event_id: &str,
    ) -> Result<Option<(Arc<Pdu>, EventMetaRecord)>> {
        let (Some(pdu), Some(meta)) = (self.pdu(event_id)?, self.event_meta(event_id)?) else {
            return Ok(None);
        };
        if meta.rejected || meta.soft_failed || !self.can_see_event(user, &pdu, &meta)? {
            return Ok(None);
        }
        Ok(Some((pdu, meta)))
    }

    /// `/rooms/{room}/event/{id}`.
    pub fn room_event(
        &self,
        viewer: Viewer<'_>,
        room_id: &RoomId,
        event_id: &str,
    ) -> Result<Value> {
        match self.visible_event(viewer.user, event_id)? {
            Some((pdu, meta)) if pdu.room_id == room_id => {
                self.render_event(&pdu, &meta, viewer, true)
            }
            _ => Err(ServiceError::not_found(
                "event not found or not visible to you",
            )),
        }
    }

    /// Events of a room strictly after (forward) or at-or-before (backward) `from`.
    pub fn timeline_scan(
        &self,
        room_id: &RoomId,
        from: u64,
        direction: Direction,
    ) -> Result<impl Iterator<Item = Result<(u64, String)>> + '_> {
        let start = match direction {
            Direction::Forward => (room_id.to_string(), from.saturating_add(1)).encode(),
            Direction::Backward => (room_id.to_string(), from).encode(),
        };
        Ok(self
            .db
            .scan_from::<RoomTimeline, _>(&(room_id.to_string(),), Some(&start), direction)?
            .map(|row| {
                row.map_err(Into::into)
                    .map(|((_, stream), id)| (stream, id))
            }))
    }

    /// `/messages`: up to `limit` visible events from `from` in `direction`.
    pub fn messages(
        &self,
        viewer: Viewer<'_>,
        room_id: &RoomId,
        page: PageRequest,
        filter: &EventFilter,
    ) -> Result<MessagesPage> {
        let PageRequest {
            from,
            to,
            direction,
            limit,
        } = page;
        self.readable_state_group(room_id, viewer.user)?;
        let ignored = self.ignored_users(viewer.user)?;
        let mut chunk = Vec::new();
        let mut senders = std::collections::BTreeSet::new();
        let mut last = None;
        let mut exhausted = true;
        for (scanned, row) in self.timeline_scan(room_id, from, direction)?.enumerate() {
            let (stream, event_id) = row?;
            let past_to = to.is_some_and(|to| match direction {
                Direction::Forward => stream > to,
                Direction::Backward => stream <= to,
            });
            if past_to {
                break;
            }
            if chunk.len() >= limit || scanned >= MAX_SCAN {
                exhausted = false;
                break;
            }
            last = Some(stream);
            let Some((pdu, meta)) = self.visible_event(viewer.user, &event_id)? else {
                continue;
            };
            let from_ignored = pdu.state_key.is_none() && ignored.contains(pdu.sender.as_str());
            if !filter.matches(&pdu) || from_ignored {
                continue;
            }
            senders.insert(pdu.sender.to_string());
            chunk.push(self.render_event(&pdu, &meta, viewer, true)?);
        }
        let end = match (exhausted, last, direction) {
            (true, _, _) | (_, None, _) => None,
            (false, Some(s), Direction::Backward) => Some(s.saturating_sub(1)),
            (false, Some(s), Direction::Forward) => Some(s),
        };
        let state = if filter.lazy_load_members {
            self.lazy_members(room_id, viewer, &senders)?
        } else {
            vec![]
        };
        Ok(MessagesPage {
            chunk,
            start: from,
            end,
            state,
        })
    }

    /// Current member events of `senders`, as lazy-loading clients need them.
    pub fn lazy_members(
        &self,
        room_id: &RoomId,
        viewer: Viewer<'_>,
        senders: &std::collections::BTreeSet<String>,
    ) -> Result<Vec<Value>> {
        let group = self.readable_state_group(room_id, viewer.user)?;
        let mut out = Vec::new();
        for sender in senders {
            if let Some(pdu) = self.state_event_in_group(group, "m.room.member", sender)? {
                if let Some(meta) = self.event_meta(pdu.event_id.as_str())? {
                    out.push(self.render_event(&pdu, &meta, viewer, true)?);
                }
            }
        }
        Ok(out)
    }

    /// `/context`: the event, `limit/2` visible events either side, and state at the event.
    pub fn context(
        &self,
        viewer: Viewer<'_>,
        room_id: &RoomId,
        event_id: &str,
        limit: usize,
        filter: &EventFilter,
    ) -> Result<Context> {
        let Some((pdu, meta)) = self
            .visible_event(viewer.user, event_id)?
            .filter(|(p, _)| p.room_id == room_id)
        else {
            return Err(ServiceError::not_found(
                "event not found or not visible to you",
            ));
        };
        let before_count = limit / 2;
        let after_count = limit - before_count;
        let around = |from, direction, limit| PageRequest {
            from,
            to: None,
            direction,
            limit,
        };
        let before = self.messages(
            viewer,
            room_id,
            around(
                meta.stream.saturating_sub(1),
                Direction::Backward,
                before_count,
            ),
            filter,
        )?;
        let after = self.messages(
            viewer,
            room_id,
            around(meta.stream, Direction::Forward, after_count),
            filter,
        )?;
        // Lazy loading keeps only the member events of the senders shown.
        let mut senders: std::collections::BTreeSet<&str> = before
            .chunk
            .iter()
            .chain(&after.chunk)
            .filter_map(|e| e["sender"].as_str())
            .collect();
        senders.insert(pdu.sender.as_str());
        // The spec's state is the room's at the last event returned.
        let last_shown = after.chunk.last().and_then(|e| e["event_id"].as_str());
        let state_group = match last_shown {
            Some(id) => self
                .event_meta(id)?
                .map_or(meta.state_after, |m| m.state_after),
            None => meta.state_after,
        };
        let state = self
            .state_events_in_group(state_group)?
            .iter()
            .filter(|s| {
                !filter.lazy_load_members
                    || s.kind.to_string() != "m.room.member"
                    || s.state_key
                        .as_deref()
                        .is_some_and(|key| senders.contains(key))
            })
            .filter_map(|s| {
                let m = self.event_meta(s.event_id.as_str()).ok()??;
                self.render_event(s, &m, viewer, true).ok()
            })
            .collect();
        Ok(Context {
            event: self.render_event(&pdu, &meta, viewer, true)?,
            start: before.end.unwrap_or(0),
            end: after.end.unwrap_or(self.stream.current()),
            events_before: before.chunk,
            events_after: after.chunk,
            state,
        })
    }

    /// `/timestamp_to_event`: the closest visible event at or after (f) / before (b) `ts`.
    pub fn timestamp_to_event(
        &self,
        user: &UserId,
        room_id: &RoomId,
        ts: u64,
        forward: bool,
    ) -> Result<(String, u64)> {
        self.readable_state_group(room_id, user)?;
        let direction = if forward {
            Direction::Forward
        } else {
            Direction::Backward
        };
        let from = if forward { 0 } else { u64::MAX };
        for row in self.timeline_scan(room_id, from, direction)? {
            let (_, event_id) = row?;
            let Some((pdu, _)) = self.visible_event(user, &event_id)? else {
                continue;
            };
            let hit = if forward {
                pdu.origin_server_ts >= ts
            } else {
                pdu.origin_server_ts <= ts
            };
            if hit {
                return Ok((event_id, pdu.origin_server_ts));
            }
        }
        Err(ServiceError::not_found("no event found in that direction"))
    }
}

/// The answer of `/context`.
pub struct Context {
    pub event: Value,
    pub events_before: Vec<Value>,
    pub events_after: Vec<Value>,
    pub start: u64,
    pub end: u64,
    pub state: Vec<Value>,
}
