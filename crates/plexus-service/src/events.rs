//! Appending local events to a room: choose prev/auth events, sign, check
//! the auth rules (plexus-state) against the current state, then write the
//! event and every index it touches in one atomic batch.

mod backfill;
mod persist;
mod remote;

pub use remote::RemoteInvite;

use std::sync::Arc;

use plexus_core::{
    pdu::{PduTemplate, TimelineEventType},
    time::now_millis,
    Pdu,
};
use ruma::{room_version_rules::RoomVersionRules, RoomId, RoomVersionId, UserId};
use serde_json::Value;

use crate::{records::RoomRecord, tables::Rooms, Result, ServiceError, Services};

const MAX_CREATE_ATTEMPTS: usize = 50;

/// A local event before it gets its federation fields.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub kind: TimelineEventType,
    pub content: Value,
    pub state_key: Option<String>,
    /// The client transaction that sent it, for idempotency and echo.
    pub txn: Option<Txn>,
}

/// The endpoints whose transaction IDs are remembered. The spec scopes a
/// transaction ID to its endpoint: the same ID on `/send` and `/redact` is
/// two different requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxnEndpoint {
    Send,
    Redact,
}

/// A client transaction: which device sent it, its ID, on which endpoint.
#[derive(Clone, Debug)]
pub struct Txn {
    pub device: String,
    pub id: String,
    pub endpoint: TxnEndpoint,
}

impl Txn {
    pub fn new(device: &str, id: &str, endpoint: TxnEndpoint) -> Self {
        Txn {
            device: device.to_owned(),
            id: id.to_owned(),
            endpoint,
        }
    }

    /// The third part of the `txn_ids` key. `/send` keeps the bare ID.
    fn stored_id(&self) -> String {
        match self.endpoint {
            TxnEndpoint::Send => self.id.clone(),
            TxnEndpoint::Redact => format!("redact\u{0}{}", self.id),
        }
    }

    pub(crate) fn key(&self, user: &UserId) -> (String, String, String) {
        (user.to_string(), self.device.clone(), self.stored_id())
    }
}

impl NewEvent {
    pub fn state(kind: &str, state_key: &str, content: Value) -> Self {
        NewEvent {
            kind: kind.into(),
            content,
            state_key: Some(state_key.to_owned()),
            txn: None,
        }
    }

    pub fn message(kind: &str, content: Value) -> Self {
        NewEvent {
            kind: kind.into(),
            content,
            state_key: None,
            txn: None,
        }
    }
}

/// Spec, "Size limits": `type` and `state_key` are at most 255 bytes.
fn check_field_sizes(event: &NewEvent) -> Result<()> {
    if event.kind.to_string().len() > 255 {
        return Err(ServiceError::TooLarge(
            "event type is longer than 255 bytes".into(),
        ));
    }
    if event.state_key.as_ref().is_some_and(|k| k.len() > 255) {
        return Err(ServiceError::TooLarge(
            "state key is longer than 255 bytes".into(),
        ));
    }
    Ok(())
}

pub fn rules_for(version: &str) -> Result<RoomVersionRules> {
    RoomVersionId::try_from(version)
        .ok()
        .and_then(|v| v.rules())
        .ok_or_else(|| {
            ServiceError::UnsupportedRoomVersion(format!("unsupported room version {version}"))
        })
}

impl Services {
    pub fn room_record(&self, room_id: &RoomId) -> Result<Option<RoomRecord>> {
        Ok(self.db.get::<Rooms>(&room_id.to_string())?.map(|j| j.0))
    }

    pub fn room_exists(&self, room_id: &RoomId) -> Result<bool> {
        Ok(self.db.contains::<Rooms>(&room_id.to_string())?)
    }

    /// Builds, authorizes and stores a local event in an existing room.
    pub async fn append_event(
        &self,
        room_id: &RoomId,
        sender: &UserId,
        event: NewEvent,
    ) -> Result<Arc<Pdu>> {
        check_field_sizes(&event)?;
        let lock = self.room_lock(room_id.as_str());
        let _guard = lock.lock().await;
        let room = self
            .room_record(room_id)?
            .ok_or_else(|| ServiceError::not_found("unknown room"))?;
        let rules = rules_for(&room.version)?;
        let pdu = self.build_event(Some(room_id), sender, &event, &room, &rules)?;
        self.check_event_auth(&pdu, room.state_group, &rules)?;
        self.persist_event(pdu, room, event.txn)
    }

    /// Creates a room with its `m.room.create` event; returns the room ID
    /// (derived from the event for v12, `!random:server` before).
    pub async fn create_room_event(
        &self,
        sender: &UserId,
        version: &RoomVersionId,
        content: Value,
    ) -> Result<Arc<Pdu>> {
        let rules = rules_for(version.as_str())?;
        let room = RoomRecord {
            version: version.to_string(),
            forward_extremities: vec![],
            depth: 0,
            state_group: 0,
            last_stream: 0,
        };
        let room_id = if rules.authorization.room_create_event_id_as_room_id {
            None
        } else {
            let id = format!(
                "!{}:{}",
                crate::users::random_string(18),
                self.server_name()
            );
            Some(RoomId::parse(id).map_err(ServiceError::internal)?)
        };
        let event = NewEvent::state("m.room.create", "", content);
        // Two identical v12 create events in the same millisecond would hash to the
        // same room ID; hold the new ID's lock and build again until it is free.
        for _ in 0..MAX_CREATE_ATTEMPTS {
            let pdu = self.build_event(room_id.as_deref(), sender, &event, &room, &rules)?;
            let lock = self.room_lock(pdu.room_id.as_str());
            let guard = lock.try_lock().ok();
            if guard.is_none() || self.room_exists(&pdu.room_id)? {
                drop(guard);
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                continue;
            }
            self.check_event_auth(&pdu, 0, &rules)?;
            return self.persist_event(pdu, room, None);
        }
        Err(ServiceError::internal(
            "could not allocate a unique room ID",
        ))
    }

    pub(crate) fn build_event(
        &self,
        room_id: Option<&RoomId>,
        sender: &UserId,
        event: &NewEvent,
        room: &RoomRecord,
        rules: &RoomVersionRules,
    ) -> Result<Pdu> {
        let content =
            serde_json::value::to_raw_value(&event.content).map_err(ServiceError::internal)?;
        let wanted = plexus_state::auth_types_for_event(
            &rules.authorization,
            &event.kind,
            sender,
            event.state_key.as_deref(),
            &content,
        )
        .map_err(|e| ServiceError::BadJson(e.to_string()))?;
        let mut auth_events = Vec::new();
        for (kind, key) in wanted {
            if let Some(pdu) =
                self.state_event_in_group(room.state_group, &kind.to_string(), &key)?
            {
                auth_events.push(pdu.event_id.clone());
            }
        }
        let template = PduTemplate {
            room_id: room_id.map(ToOwned::to_owned),
            sender: sender.to_owned(),
            kind: event.kind.clone(),
            content: event.content.clone(),
            state_key: event.state_key.clone(),
            prev_events: room
                .forward_extremities
                .iter()
                .filter_map(|id| ruma::EventId::parse(id).ok())
                .collect(),
            auth_events,
            depth: room.depth + 1,
            origin_server_ts: now_millis(),
        };
        Ok(template.sign(rules, &self.key)?)
    }

    /// Authorizes `pdu` against the state of `group` (the state before it).
    pub fn check_event_auth(&self, pdu: &Pdu, group: u64, rules: &RoomVersionRules) -> Result<()> {
        let fetch = |kind: &ruma::events::StateEventType, key: &str| {
            self.state_event_in_group(group, &kind.to_string(), key)
                .ok()
                .flatten()
                .map(|p| (*p).clone())
        };
        plexus_state::check_auth(&rules.authorization, pdu, fetch)
            .map_err(|e| ServiceError::Forbidden(e.to_string()))
    }
}

impl Services {
    /// The event a transaction of this user already produced, for idempotent sends.
    pub fn event_for_txn(&self, user: &UserId, txn: &Txn) -> Result<Option<ruma::OwnedEventId>> {
        let key = txn.key(user);
        Ok(self
            .db
            .get::<crate::tables::TxnIds>(&key)?
            .and_then(|id| ruma::EventId::parse(id).ok()))
    }
}
