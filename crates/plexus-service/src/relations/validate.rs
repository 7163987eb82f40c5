//! Checks on the relation of an event a local client sends: a thread
//! cannot start from an event that itself has a relation (threading
//! module: 400 `M_UNKNOWN`), and a user cannot annotate an event twice with
//! the same event type and key unless the first was redacted (annotations
//! module: 400 `M_DUPLICATE_ANNOTATION`). Events arriving over federation
//! are not checked: clients deduplicate those.

use plexus_storage::{Direction, Json};
use ruma::{RoomId, UserId};
use serde_json::Value;

use super::aggregate::relation_type;
use crate::{tables::RoomRelations, Result, Services};

/// Why a new event's relation is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RelationRefusal {
    /// An `m.thread` whose parent has a relation itself.
    ThreadFromRelated(String),
    /// The sender already annotated the parent with this event type and key.
    DuplicateAnnotation,
}

/// The parts of a new event its relation is checked against.
pub struct NewRelation<'a> {
    pub room_id: &'a RoomId,
    pub sender: &'a UserId,
    pub kind: &'a str,
    pub content: &'a Value,
}

impl Services {
    /// Why the relation of a new event is refused, if it is.
    pub fn refused_relation(&self, event: &NewRelation<'_>) -> Result<Option<RelationRefusal>> {
        let Some(relation) = event.content.get("m.relates_to") else {
            return Ok(None);
        };
        let Some(parent) = relation.get("event_id").and_then(Value::as_str) else {
            return Ok(None);
        };
        match relation.get("rel_type").and_then(Value::as_str) {
            Some("m.thread") => self.thread_parent_refusal(parent),
            Some("m.annotation") => match relation.get("key").and_then(Value::as_str) {
                Some(key) => self.duplicate_annotation(event, parent, key),
                None => Ok(None),
            },
            _ => Ok(None),
        }
    }

    fn thread_parent_refusal(&self, parent: &str) -> Result<Option<RelationRefusal>> {
        let Some(parent) = self.pdu(parent)? else {
            return Ok(None);
        };
        Ok(relation_type(&parent).map(|rel| {
            RelationRefusal::ThreadFromRelated(format!(
                "cannot start a thread from an event with a relation ({rel})"
            ))
        }))
    }

    fn duplicate_annotation(
        &self,
        event: &NewRelation<'_>,
        parent: &str,
        key: &str,
    ) -> Result<Option<RelationRefusal>> {
        let prefix = (event.room_id.to_string(), parent.to_owned());
        for row in self
            .db
            .scan::<RoomRelations, _>(&prefix, Direction::Forward)?
        {
            let (_, Json((child, rel_type))) = row?;
            if rel_type != "m.annotation" {
                continue;
            }
            let (Some(pdu), Some(meta)) = (self.pdu(&child)?, self.event_meta(&child)?) else {
                continue;
            };
            let same = pdu.sender == event.sender
                && pdu.kind.to_string() == event.kind
                && pdu.content_value()["m.relates_to"]["key"] == key;
            if same && meta.redacted_by.is_none() && !meta.rejected && !meta.soft_failed {
                return Ok(Some(RelationRefusal::DuplicateAnnotation));
            }
        }
        Ok(None)
    }
}
