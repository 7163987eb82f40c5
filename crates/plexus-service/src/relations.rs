//! Event relationships (`m.relates_to`): the index written when a relating
//! event is persisted, and `/relations/{eventId}[/{relType}[/{eventType}]]`,
//! which pages through the children of an event the viewer may see.

use plexus_core::Pdu;
use plexus_storage::{Batch, Direction, Json};
use ruma::RoomId;
use serde_json::Value;

use crate::{tables::RoomRelations, timeline::Viewer, Result, ServiceError, Services};

/// How deep `recurse=true` follows relations of relations.
pub const MAX_RECURSION_DEPTH: usize = 3;
/// Most relations one request gathers before filtering and paging.
const MAX_GATHERED: usize = 10_000;

/// What `/relations` asks for.
#[derive(Clone, Debug)]
pub struct RelationsQuery {
    pub rel_type: Option<String>,
    pub event_type: Option<String>,
    /// Stream token to start from (exclusive forwards, inclusive backwards).
    pub from: Option<u64>,
    /// Stream token not to pass.
    pub to: Option<u64>,
    pub direction: Direction,
    pub limit: usize,
    pub recurse: bool,
}

/// A page of `/relations`.
#[derive(Debug)]
pub struct RelationsPage {
    pub chunk: Vec<Value>,
    /// `None` when there are no more relations in that direction.
    pub next_batch: Option<u64>,
    /// How deep the search went, when `recurse` was asked for.
    pub recursion_depth: Option<usize>,
}

/// One indexed relation: where it sits and what it is.
#[derive(Clone, Debug)]
struct Relation {
    stream: u64,
    event_id: String,
    rel_type: String,
}

/// The (`rel_type`, parent event ID) an event's content relates it with.
fn relates_to(pdu: &Pdu) -> Option<(String, String)> {
    let content = pdu.content_value();
    let relation = content.get("m.relates_to")?;
    let rel_type = relation.get("rel_type")?.as_str()?;
    let parent = relation.get("event_id")?.as_str()?;
    Some((rel_type.to_owned(), parent.to_owned()))
}

impl Services {
    /// Indexes `pdu` under its parent when its content has `m.relates_to`.
    pub(crate) fn index_relation(
        &self,
        batch: &mut Batch<'_>,
        pdu: &Pdu,
        stream: u64,
    ) -> Result<()> {
        let Some((rel_type, parent)) = relates_to(pdu) else {
            return Ok(());
        };
        let key = (pdu.room_id.to_string(), parent, stream);
        batch.put::<RoomRelations>(&key, &Json((pdu.event_id.to_string(), rel_type)))?;
        Ok(())
    }

    /// `/relations`: visible children of `parent` matching the query, one page.
    pub fn relations(
        &self,
        viewer: Viewer<'_>,
        room_id: &RoomId,
        parent: &str,
        query: &RelationsQuery,
    ) -> Result<RelationsPage> {
        match self.visible_event(viewer.user, parent)? {
            Some((pdu, _)) if pdu.room_id == room_id => {}
            _ => {
                return Err(ServiceError::not_found(
                    "event not found or not visible to you",
                ))
            }
        }
        let depth = if query.recurse {
            MAX_RECURSION_DEPTH
        } else {
            1
        };
        let mut relations = self.gather_relations(room_id, parent, depth, query)?;
        relations.sort_by_key(|r| r.stream);
        if query.direction == Direction::Backward {
            relations.reverse();
        }
        let mut page = self.page_relations(viewer, &relations, query)?;
        page.recursion_depth = query.recurse.then_some(depth);
        Ok(page)
    }

    /// Children of `parent` (and, below depth 1, their children), unordered.
    /// The spec: an event reached only through an intermediate event that the
    /// `rel_type`/`event_type` filters reject is not included, so recursion
    /// continues only through matching children.
    fn gather_relations(
        &self,
        room_id: &RoomId,
        parent: &str,
        depth: usize,
        query: &RelationsQuery,
    ) -> Result<Vec<Relation>> {
        let mut found = Vec::new();
        let mut level = vec![parent.to_owned()];
        for _ in 0..depth {
            let mut next = Vec::new();
            for event_id in &level {
                let prefix = (room_id.to_string(), event_id.clone());
                for row in self
                    .db
                    .scan::<RoomRelations, _>(&prefix, Direction::Forward)?
                {
                    let ((_, _, stream), Json((child, rel_type))) = row?;
                    if found.len() >= MAX_GATHERED {
                        return Ok(found);
                    }
                    if depth > 1 && self.relation_matches(query, &child, &rel_type)? {
                        next.push(child.clone());
                    }
                    found.push(Relation {
                        stream,
                        event_id: child,
                        rel_type,
                    });
                }
            }
            if next.is_empty() {
                break;
            }
            level = next;
        }
        Ok(found)
    }

    /// Whether a relation passes the query's `rel_type` and `event_type` filters.
    fn relation_matches(
        &self,
        query: &RelationsQuery,
        event_id: &str,
        rel_type: &str,
    ) -> Result<bool> {
        if query.rel_type.as_ref().is_some_and(|t| t != rel_type) {
            return Ok(false);
        }
        let Some(wanted) = &query.event_type else {
            return Ok(true);
        };
        Ok(self
            .pdu(event_id)?
            .is_some_and(|pdu| pdu.kind.to_string() == *wanted))
    }

    /// Applies `from`/`to`/filters/`limit` to relations sorted in the query's direction.
    fn page_relations(
        &self,
        viewer: Viewer<'_>,
        relations: &[Relation],
        query: &RelationsQuery,
    ) -> Result<RelationsPage> {
        let forward = query.direction == Direction::Forward;
        let after_from = |stream: u64| match query.from {
            None => true,
            Some(from) if forward => stream > from,
            Some(from) => stream <= from,
        };
        let before_to = |stream: u64| match query.to {
            None => true,
            Some(to) if forward => stream <= to,
            Some(to) => stream > to,
        };
        let mut chunk = Vec::new();
        let mut next_batch = None;
        for relation in relations.iter().filter(|r| after_from(r.stream)) {
            if !before_to(relation.stream) {
                break;
            }
            if chunk.len() >= query.limit {
                next_batch = continuation(&chunk, forward);
                break;
            }
            if query
                .rel_type
                .as_ref()
                .is_some_and(|t| *t != relation.rel_type)
            {
                continue;
            }
            let Some((pdu, meta)) = self.visible_event(viewer.user, &relation.event_id)? else {
                continue;
            };
            if query
                .event_type
                .as_ref()
                .is_some_and(|t| *t != pdu.kind.to_string())
            {
                continue;
            }
            chunk.push((
                relation.stream,
                self.render_event(&pdu, &meta, viewer, true)?,
            ));
        }
        Ok(RelationsPage {
            chunk: chunk.into_iter().map(|(_, event)| event).collect(),
            next_batch,
            recursion_depth: None,
        })
    }
}

/// The token continuing after the last returned relation.
fn continuation(chunk: &[(u64, Value)], forward: bool) -> Option<u64> {
    let (stream, _) = chunk.last()?;
    Some(if forward {
        *stream
    } else {
        stream.saturating_sub(1)
    })
}

mod aggregate;
mod threads;
mod validate;

pub use threads::{ThreadsPage, ThreadsQuery, MAIN_THREAD, MAX_THREAD_HOPS};
pub use validate::{NewRelation, RelationRefusal};

#[cfg(test)]
mod tests;
