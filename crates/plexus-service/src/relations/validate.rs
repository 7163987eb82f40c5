//! Checks on the relation of an event a local client sends: per the
//! threading module, a thread cannot start from an event that itself has
//! a relation (400, `M_UNKNOWN`, as the spec asks).

use serde_json::Value;

use super::aggregate::relation_type;
use crate::{Result, Services};

impl Services {
    /// Why the relation in `content` is refused, if it is.
    pub fn refused_relation(&self, content: &Value) -> Result<Option<String>> {
        let Some(relation) = content.get("m.relates_to") else {
            return Ok(None);
        };
        if relation.get("rel_type").and_then(Value::as_str) != Some("m.thread") {
            return Ok(None);
        }
        let Some(parent) = relation.get("event_id").and_then(Value::as_str) else {
            return Ok(None);
        };
        let Some(parent) = self.pdu(parent)? else {
            return Ok(None);
        };
        Ok(relation_type(&parent)
            .map(|rel| format!("cannot start a thread from an event with a relation ({rel})")))
    }
}
