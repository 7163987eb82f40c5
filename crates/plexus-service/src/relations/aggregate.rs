//! Bundled aggregations (`unsigned["m.relations"]`), as the spec defines
//! them: `m.thread` (latest event, count, whether the viewer took part),
//! `m.replace` (the most recent valid edit) and `m.reference` (the IDs of
//! the referencing events). `m.annotation` is not aggregated: the spec
//! (v1.7+, "Server-side aggregation of `m.annotation` relationships") says
//! servers do not include it. Children that are redacted, invisible to
//! the viewer or sent by a user the viewer ignores are left out.

use std::{collections::HashSet, sync::Arc};

use plexus_core::Pdu;
use plexus_storage::{Direction, Json};
use serde_json::{json, Map, Value};

use crate::{records::EventMetaRecord, tables::RoomRelations, timeline::Viewer, Result, Services};

/// A visible child of the parent, in stream order.
struct Child {
    stream: u64,
    rel_type: String,
    pdu: Arc<Pdu>,
    meta: EventMetaRecord,
}

/// The rel_types the server aggregates.
const AGGREGATED: [&str; 3] = ["m.thread", "m.replace", "m.reference"];

impl Services {
    /// The `m.relations` object for `pdu`, or `None` when there is nothing to
    /// bundle. `redacted`: the parent is shown redacted (no edit is bundled).
    /// `depth` bounds the rendering of a thread's latest event, which carries
    /// its own aggregations.
    pub(crate) fn bundled_aggregations(
        &self,
        pdu: &Pdu,
        redacted: bool,
        viewer: Viewer<'_>,
        depth: usize,
    ) -> Result<Option<Value>> {
        if pdu.state_key.is_some() {
            // The spec: state events do not receive bundled aggregations.
            return Ok(None);
        }
        let children = self.aggregated_children(pdu, viewer)?;
        if children.is_empty() {
            return Ok(None);
        }
        let mut relations = Map::new();
        if let Some(thread) = self.thread_summary(pdu, &children, viewer, depth)? {
            relations.insert("m.thread".into(), thread);
        }
        if !redacted {
            if let Some(edit) = latest_edit(pdu, &children) {
                let shown = edit.pdu.to_client_event(true, None);
                relations.insert("m.replace".into(), shown);
            }
        }
        let references: Vec<Value> = children
            .iter()
            .filter(|c| c.rel_type == "m.reference")
            .map(|c| json!({ "event_id": c.pdu.event_id }))
            .collect();
        if !references.is_empty() {
            relations.insert("m.reference".into(), json!({ "chunk": references }));
        }
        Ok((!relations.is_empty()).then_some(Value::Object(relations)))
    }

    /// Children of `parent` with an aggregated rel_type that the viewer may
    /// see, unredacted and not sent by an ignored user.
    fn aggregated_children(&self, parent: &Pdu, viewer: Viewer<'_>) -> Result<Vec<Child>> {
        let prefix = (parent.room_id.to_string(), parent.event_id.to_string());
        let mut candidates = Vec::new();
        for row in self
            .db
            .scan::<RoomRelations, _>(&prefix, Direction::Forward)?
        {
            let ((_, _, stream), Json((child, rel_type))) = row?;
            if AGGREGATED.contains(&rel_type.as_str()) {
                candidates.push((stream, child, rel_type));
            }
        }
        if candidates.is_empty() {
            return Ok(Vec::new());
        }
        // Read only when there is something to aggregate: most events have no children.
        let ignored: HashSet<String> = self.ignored_users(viewer.user)?;
        let mut children = Vec::new();
        for (stream, event_id, rel_type) in candidates {
            let Some((pdu, meta)) = self.visible_event(viewer.user, &event_id)? else {
                continue;
            };
            if meta.redacted_by.is_some() || ignored.contains(pdu.sender.as_str()) {
                continue;
            }
            children.push(Child {
                stream,
                rel_type,
                pdu,
                meta,
            });
        }
        Ok(children)
    }

    /// The `m.thread` aggregation of a thread root.
    fn thread_summary(
        &self,
        root: &Pdu,
        children: &[Child],
        viewer: Viewer<'_>,
        depth: usize,
    ) -> Result<Option<Value>> {
        let thread: Vec<&Child> = children
            .iter()
            .filter(|c| c.rel_type == "m.thread")
            .collect();
        let Some(latest) = thread.iter().max_by_key(|c| c.stream) else {
            return Ok(None);
        };
        let participated =
            root.sender == viewer.user || thread.iter().any(|c| c.pdu.sender == viewer.user);
        let latest_event = self.render_event_at_depth(
            &latest.pdu,
            &latest.meta,
            viewer,
            true,
            depth.saturating_sub(1),
        )?;
        Ok(Some(json!({
            "latest_event": latest_event,
            "count": thread.len(),
            "current_user_participated": participated,
        })))
    }
}

/// The most recent valid replacement of `original` (by `origin_server_ts`,
/// then the lexicographically largest event ID), per "Validity of
/// replacement events".
fn latest_edit<'c>(original: &Pdu, children: &'c [Child]) -> Option<&'c Child> {
    if relation_type(original).as_deref() == Some("m.replace") {
        return None;
    }
    children
        .iter()
        .filter(|c| c.rel_type == "m.replace" && valid_replacement(original, &c.pdu))
        .max_by(|a, b| {
            (a.pdu.origin_server_ts, a.pdu.event_id.as_str())
                .cmp(&(b.pdu.origin_server_ts, b.pdu.event_id.as_str()))
        })
}

/// Same sender and type, neither a state event, and `m.new_content` present
/// (not checkable in an encrypted replacement, whose payload the server cannot read).
fn valid_replacement(original: &Pdu, edit: &Pdu) -> bool {
    let kind = edit.kind.to_string();
    edit.sender == original.sender
        && kind == original.kind.to_string()
        && edit.state_key.is_none()
        && original.state_key.is_none()
        && (kind == "m.room.encrypted" || edit.content_value().get("m.new_content").is_some())
}

/// The `rel_type` of an event's own `m.relates_to`.
pub(crate) fn relation_type(pdu: &Pdu) -> Option<String> {
    let content = pdu.content_value();
    Some(
        content
            .get("m.relates_to")?
            .get("rel_type")?
            .as_str()?
            .to_owned(),
    )
}

#[cfg(test)]
mod tests;
