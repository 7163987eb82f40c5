//! Event filters (`/user/{id}/filter`, inline `filter=` on /sync and
//! /messages): storage and matching.

use plexus_core::Pdu;
use plexus_storage::Json;
use ruma::UserId;
use serde::Deserialize;
use serde_json::Value;

use crate::{
    tables::{Counters, Filters},
    Result, ServiceError, Services,
};

/// The filter fields Plexus applies to room events.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct EventFilter {
    pub limit: Option<usize>,
    pub types: Option<Vec<String>>,
    pub not_types: Vec<String>,
    pub senders: Option<Vec<String>>,
    pub not_senders: Vec<String>,
    pub rooms: Option<Vec<String>>,
    pub not_rooms: Vec<String>,
    pub contains_url: Option<bool>,
    pub lazy_load_members: bool,
    pub include_redundant_members: bool,
    /// Per-thread notification counts in `/sync` (read from the timeline filter).
    pub unread_thread_notifications: bool,
}

/// A sync filter: what each section of the response carries.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct SyncFilter {
    pub event_fields: Option<Vec<String>>,
    pub presence: EventFilter,
    pub account_data: EventFilter,
    pub room: RoomFilter,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RoomFilter {
    pub rooms: Option<Vec<String>>,
    pub not_rooms: Vec<String>,
    pub include_leave: bool,
    pub timeline: EventFilter,
    pub state: EventFilter,
    pub ephemeral: EventFilter,
    pub account_data: EventFilter,
}

fn glob_match(pattern: &str, value: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => value.starts_with(prefix),
        None => pattern == value,
    }
}

impl EventFilter {
    pub fn matches_type(&self, kind: &str) -> bool {
        if self.not_types.iter().any(|p| glob_match(p, kind)) {
            return false;
        }
        self.types
            .as_ref()
            .is_none_or(|t| t.iter().any(|p| glob_match(p, kind)))
    }

    pub fn matches(&self, pdu: &Pdu) -> bool {
        let sender = pdu.sender.as_str();
        let room = pdu.room_id.as_str();
        if !self.matches_type(&pdu.kind.to_string())
            || self.not_senders.iter().any(|s| s == sender)
            || self
                .senders
                .as_ref()
                .is_some_and(|s| !s.iter().any(|x| x == sender))
            || self.not_rooms.iter().any(|r| r == room)
            || self
                .rooms
                .as_ref()
                .is_some_and(|r| !r.iter().any(|x| x == room))
        {
            return false;
        }
        match self.contains_url {
            Some(want) => want == pdu.content_value().get("url").is_some(),
            None => true,
        }
    }
}

impl RoomFilter {
    pub fn includes_room(&self, room_id: &str) -> bool {
        !self.not_rooms.iter().any(|r| r == room_id)
            && self
                .rooms
                .as_ref()
                .is_none_or(|r| r.iter().any(|x| x == room_id))
    }
}

impl Services {
    /// Stores a filter; returns its ID.
    pub fn create_filter(&self, user: &UserId, filter: Value) -> Result<String> {
        serde_json::from_value::<SyncFilter>(filter.clone())
            .map_err(|e| ServiceError::BadJson(format!("invalid filter: {e}")))?;
        let counter = format!("filter:{user}");
        let _guard = self.user_row_lock.lock().expect("user row lock poisoned");
        let id = self.db.get::<Counters>(&counter)?.unwrap_or(0) + 1;
        let mut batch = self.db.batch();
        batch.put::<Counters>(&counter, &id)?;
        batch.put::<Filters>(&(user.to_string(), id.to_string()), &Json(filter))?;
        self.db.write(batch)?;
        Ok(id.to_string())
    }

    pub fn filter(&self, user: &UserId, id: &str) -> Result<Value> {
        self.db
            .get::<Filters>(&(user.to_string(), id.to_owned()))?
            .map(|j| j.0)
            .ok_or_else(|| ServiceError::not_found("no such filter"))
    }

    /// Resolves a `filter` query parameter: a filter ID or inline JSON.
    pub fn sync_filter(&self, user: &UserId, param: Option<&str>) -> Result<SyncFilter> {
        let Some(param) = param else {
            return Ok(SyncFilter::default());
        };
        let value = if param.trim_start().starts_with('{') {
            serde_json::from_str(param)
                .map_err(|e| ServiceError::BadJson(format!("invalid filter: {e}")))?
        } else {
            self.filter(user, param)?
        };
        serde_json::from_value(value)
            .map_err(|e| ServiceError::BadJson(format!("invalid filter: {e}")))
    }
}
