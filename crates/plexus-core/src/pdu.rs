//! The persistent data unit: a room event in the federation format of its
//! room version, with its parsed fields kept beside the signed JSON.
//!
//! The signed canonical JSON (`json`) is the source of truth: it is what is
//! stored and what goes over federation. The parsed fields are a read-only
//! view of it, so the two can never disagree.

mod build;
mod client;
#[cfg(test)]
mod tests;

use ruma::{
    room_version_rules::{EventIdFormatVersion, RoomVersionRules},
    CanonicalJsonObject, CanonicalJsonValue, EventId, OwnedEventId, OwnedRoomId, OwnedUserId,
    RoomId,
};
use serde_json::value::RawValue;

pub use build::{PduTemplate, SigningKey};
pub use ruma::events::TimelineEventType;

/// A PDU could not be parsed or built.
#[derive(Debug, thiserror::Error)]
pub enum PduError {
    #[error("field `{0}` is missing or has the wrong type")]
    Field(&'static str),
    #[error("invalid identifier in `{field}`: {reason}")]
    Id { field: &'static str, reason: String },
    #[error("event JSON is invalid: {0}")]
    Json(String),
    #[error("event is larger than 65536 bytes")]
    TooLarge,
}

/// A room event in federation form.
#[derive(Clone, Debug)]
pub struct Pdu {
    pub event_id: OwnedEventId,
    /// The room, also for a v12 `m.room.create` whose JSON carries no `room_id`.
    pub room_id: OwnedRoomId,
    pub sender: OwnedUserId,
    pub origin_server_ts: u64,
    pub kind: TimelineEventType,
    pub content: Box<RawValue>,
    pub state_key: Option<String>,
    pub prev_events: Vec<OwnedEventId>,
    pub auth_events: Vec<OwnedEventId>,
    pub depth: u64,
    /// For `m.room.redaction`: top-level in v1–v10, inside content from v11.
    pub redacts: Option<OwnedEventId>,
    /// The signed federation JSON, exactly as stored and sent.
    pub json: CanonicalJsonObject,
}

impl Pdu {
    /// Parses a PDU whose event ID is already known (v3+ IDs are not in the JSON).
    pub fn from_json(event_id: OwnedEventId, json: CanonicalJsonObject) -> Result<Self, PduError> {
        let sender = parse_id(&json, "sender")?;
        let kind = TimelineEventType::from(str_field(&json, "type")?);
        let state_key = match json.get("state_key") {
            Some(CanonicalJsonValue::String(s)) => Some(s.clone()),
            None => None,
            Some(_) => return Err(PduError::Field("state_key")),
        };
        let room_id = match json.get("room_id") {
            Some(_) => parse_id(&json, "room_id")?,
            // v12: the room ID of a create event is derived from its event ID.
            None => room_id_from_create_event_id(&event_id)?,
        };
        let content_value = json.get("content").ok_or(PduError::Field("content"))?;
        let content = serde_json::value::to_raw_value(content_value)
            .map_err(|e| PduError::Json(e.to_string()))?;
        let redacts = match json.get("redacts") {
            Some(CanonicalJsonValue::String(s)) => Some(to_event_id("redacts", s)?),
            _ => content_redacts(content_value)?,
        };
        Ok(Pdu {
            room_id,
            sender,
            origin_server_ts: int_field(&json, "origin_server_ts")?,
            kind,
            content,
            state_key,
            prev_events: event_refs(&json, "prev_events")?,
            auth_events: event_refs(&json, "auth_events")?,
            depth: int_field(&json, "depth")?,
            redacts,
            event_id,
            json,
        })
    }

    /// Parses a PDU received from elsewhere, computing its event ID as the
    /// room version prescribes.
    pub fn from_federation(
        mut json: CanonicalJsonObject,
        rules: &RoomVersionRules,
    ) -> Result<Self, PduError> {
        let event_id = match rules.event_id_format {
            EventIdFormatVersion::V1 => parse_id(&json, "event_id")?,
            _ => {
                json.remove("event_id");
                reference_event_id(&json, rules)?
            }
        };
        Self::from_json(event_id, json)
    }

    pub fn is_state(&self) -> bool {
        self.state_key.is_some()
    }

    /// The content parsed as JSON, for callers that need to look inside it.
    pub fn content_value(&self) -> serde_json::Value {
        serde_json::from_str(self.content.get()).unwrap_or(serde_json::Value::Null)
    }

    /// Reads one string field of the content.
    pub fn content_str(&self, key: &str) -> Option<String> {
        match self.json.get("content") {
            Some(CanonicalJsonValue::Object(c)) => match c.get(key) {
                Some(CanonicalJsonValue::String(s)) => Some(s.clone()),
                _ => None,
            },
            _ => None,
        }
    }

    /// The signed JSON serialized for storage or federation.
    pub fn to_json_string(&self) -> String {
        CanonicalJsonValue::Object(self.json.clone()).to_string()
    }

    /// Parses stored bytes written by [`Pdu::to_json_string`].
    pub fn from_stored(event_id: OwnedEventId, bytes: &[u8]) -> Result<Self, PduError> {
        let json: CanonicalJsonObject =
            serde_json::from_slice(bytes).map_err(|e| PduError::Json(e.to_string()))?;
        Self::from_json(event_id, json)
    }
}

/// The event ID of a v3+ event: `$` + the reference hash.
pub fn reference_event_id(
    json: &CanonicalJsonObject,
    rules: &RoomVersionRules,
) -> Result<OwnedEventId, PduError> {
    let hash = ruma::signatures::reference_hash(json, rules).map_err(|e| match e {
        ruma::signatures::JsonError::PduTooLarge => PduError::TooLarge,
        other => PduError::Json(other.to_string()),
    })?;
    to_event_id("event_id", &format!("${hash}"))
}

/// A v12 room ID: the create event's ID with the `!` sigil.
pub fn room_id_from_create_event_id(event_id: &EventId) -> Result<OwnedRoomId, PduError> {
    let localpart = event_id.as_str().trim_start_matches('$');
    RoomId::parse(format!("!{localpart}")).map_err(|e| PduError::Id {
        field: "room_id",
        reason: e.to_string(),
    })
}

fn str_field<'a>(json: &'a CanonicalJsonObject, field: &'static str) -> Result<&'a str, PduError> {
    match json.get(field) {
        Some(CanonicalJsonValue::String(s)) => Ok(s),
        _ => Err(PduError::Field(field)),
    }
}

fn int_field(json: &CanonicalJsonObject, field: &'static str) -> Result<u64, PduError> {
    match json.get(field) {
        Some(CanonicalJsonValue::Integer(i)) => {
            u64::try_from(i64::from(*i)).map_err(|_| PduError::Field(field))
        }
        _ => Err(PduError::Field(field)),
    }
}

fn parse_id<T>(json: &CanonicalJsonObject, field: &'static str) -> Result<T, PduError>
where
    T: TryFrom<String>,
    T::Error: std::fmt::Display,
{
    T::try_from(str_field(json, field)?.to_owned()).map_err(|e| PduError::Id {
        field,
        reason: e.to_string(),
    })
}

fn to_event_id(field: &'static str, s: &str) -> Result<OwnedEventId, PduError> {
    EventId::parse(s).map_err(|e| PduError::Id {
        field,
        reason: e.to_string(),
    })
}

fn content_redacts(content: &CanonicalJsonValue) -> Result<Option<OwnedEventId>, PduError> {
    match content {
        CanonicalJsonValue::Object(c) => match c.get("redacts") {
            Some(CanonicalJsonValue::String(s)) => Ok(Some(to_event_id("content.redacts", s)?)),
            _ => Ok(None),
        },
        _ => Err(PduError::Field("content")),
    }
}

/// `prev_events`/`auth_events`: plain IDs from v3, `[id, hashes]` pairs before.
fn event_refs(
    json: &CanonicalJsonObject,
    field: &'static str,
) -> Result<Vec<OwnedEventId>, PduError> {
    let Some(CanonicalJsonValue::Array(items)) = json.get(field) else {
        return Err(PduError::Field(field));
    };
    items
        .iter()
        .map(|item| match item {
            CanonicalJsonValue::String(s) => to_event_id(field, s),
            CanonicalJsonValue::Array(pair) => match pair.first() {
                Some(CanonicalJsonValue::String(s)) => to_event_id(field, s),
                _ => Err(PduError::Field(field)),
            },
            _ => Err(PduError::Field(field)),
        })
        .collect()
}
