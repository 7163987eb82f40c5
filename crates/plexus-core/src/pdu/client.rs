//! The client-server view of a PDU: the "ClientEvent" format of the spec,
//! and stripped state for invites.

use serde_json::{json, Map, Value};

use super::Pdu;

impl Pdu {
    /// The event as `/sync`, `/messages` and `/event` return it.
    /// `unsigned` is computed per viewer by the caller (age, transaction_id, …).
    pub fn to_client_event(&self, with_room_id: bool, unsigned: Option<Value>) -> Value {
        let mut event = Map::new();
        event.insert("event_id".into(), json!(self.event_id));
        event.insert("type".into(), json!(self.kind.to_string()));
        event.insert("sender".into(), json!(self.sender));
        event.insert("origin_server_ts".into(), json!(self.origin_server_ts));
        event.insert("content".into(), self.content_value());
        if with_room_id {
            event.insert("room_id".into(), json!(self.room_id));
        }
        if let Some(state_key) = &self.state_key {
            event.insert("state_key".into(), json!(state_key));
        }
        if let Some(redacts) = &self.redacts {
            event.insert("redacts".into(), json!(redacts));
        }
        if let Some(unsigned) = unsigned.filter(|u| u.as_object().is_some_and(|o| !o.is_empty())) {
            event.insert("unsigned".into(), unsigned);
        }
        Value::Object(event)
    }

    /// Stripped state, as carried in `invite_state` and `knock_state`.
    pub fn to_stripped_state(&self) -> Value {
        json!({
            "type": self.kind.to_string(),
            "state_key": self.state_key.clone().unwrap_or_default(),
            "sender": self.sender,
            "content": self.content_value(),
        })
    }
}
