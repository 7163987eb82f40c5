//! Events from other servers. Unlike a local append, a received event may
//! fork the room DAG: it names its own `prev_events`, and its state before is
//! whatever the federation layer established (from its predecessors, or
//! fetched from a peer). The room keeps every forward extremity, and its
//! current state is the resolution of the states at those extremities.
//!
//! Events that are known but not part of the timeline (the state and auth
//! chain received on a join, auth events fetched to check an event) are
//! *outliers*: stored with stream position 0, never shown to clients.

use std::{collections::HashMap, sync::Arc};

use plexus_core::Pdu;
use plexus_storage::{Batch, Json};
use ruma::{EventId, RoomId, RoomVersionId, UserId};
use serde_json::Value;

use super::rules_for;
use crate::{
    records::{EventMetaRecord, MembershipRecord, RoomRecord},
    tables::{EventMeta, Events, InviteStates, RoomTimeline, Rooms, StreamEvents, UserRooms},
    Result, ServiceError, Services,
};

/// An invite of a local user into a room this server may not be in, or a
/// local user's knock on such a room.
pub struct RemoteInvite {
    /// The invite (already carrying our signature) or knock event.
    pub pdu: Pdu,
    /// Stripped state the other server sent, shown to the user.
    pub invite_room_state: Vec<Value>,
}

impl Services {
    /// Whether the event is stored (in the timeline or as an outlier).
    pub fn has_event(&self, event_id: &EventId) -> Result<bool> {
        Ok(self.db.contains::<Events>(&event_id.to_string())?)
    }

    /// Whether the event is in a room's timeline with a known state.
    pub fn has_event_with_state(&self, event_id: &EventId) -> Result<bool> {
        Ok(self
            .event_meta(event_id.as_str())?
            .is_some_and(|m| m.stream != 0 && !m.rejected))
    }

    /// Stores checked events as outliers; already stored ones are kept as they are.
    pub fn store_outliers(&self, events: &[(Pdu, bool)]) -> Result<()> {
        let mut batch = self.db.batch();
        for (pdu, rejected) in events {
            self.put_outlier(&mut batch, pdu, *rejected)?;
        }
        self.db.write(batch)?;
        Ok(())
    }

    fn put_outlier(&self, batch: &mut Batch<'_>, pdu: &Pdu, rejected: bool) -> Result<()> {
        let id = pdu.event_id.to_string();
        if self.db.contains::<EventMeta>(&id)? {
            return Ok(());
        }
        batch.put::<Events>(&id, &pdu.to_json_string().into_bytes())?;
        let meta = EventMetaRecord {
            room_id: pdu.room_id.to_string(),
            stream: 0,
            state_before: 0,
            state_after: 0,
            rejected,
            soft_failed: false,
            redacted_by: None,
            txn: None,
        };
        batch.put::<EventMeta>(&id, &Json(meta))?;
        Ok(())
    }

    /// The state group before an event whose `prev_events` are all in the
    /// timeline: theirs, resolved when they differ. `None` if any is missing.
    pub fn state_before_from_prev(&self, pdu: &Pdu) -> Result<Option<u64>> {
        let mut groups = Vec::with_capacity(pdu.prev_events.len());
        for prev in &pdu.prev_events {
            match self.event_meta(prev.as_str())? {
                Some(meta) if meta.stream != 0 || meta.soft_failed => groups.push(meta.state_after),
                _ => return Ok(None),
            }
        }
        let room = self
            .room_record(&pdu.room_id)?
            .ok_or_else(|| ServiceError::not_found("unknown room"))?;
        let rules = rules_for(&room.version)?;
        let mut batch = self.db.batch();
        let group = self.resolve_state_groups(&mut batch, &HashMap::new(), &groups, &rules)?;
        self.db.write(batch)?;
        Ok(Some(group))
    }

    /// A state group holding exactly `state` (events already stored).
    pub fn state_group_for_events(&self, state: &[Arc<Pdu>]) -> Result<u64> {
        let mut batch = self.db.batch();
        let mut fresh = HashMap::new();
        let map = self.short_state_of(&mut batch, &mut fresh, state)?;
        let group = self.new_state_group_exact(&mut batch, 0, &map)?;
        self.db.write(batch)?;
        Ok(group)
    }

    /// Appends a received event at `state_before`. A soft-failed event is
    /// stored with its state but stays out of the timeline and extremities.
    /// With `forward`, the event is also queued for the room's other servers
    /// (we are the resident server of a `send_join`/`send_leave`).
    pub async fn persist_remote_event(
        &self,
        pdu: Pdu,
        state_before: u64,
        soft_failed: bool,
        forward: bool,
    ) -> Result<Arc<Pdu>> {
        let lock = self.room_lock(pdu.room_id.as_str());
        let _guard = lock.lock().await;
        if let Some(meta) = self.event_meta(pdu.event_id.as_str())? {
            if meta.stream != 0 || meta.soft_failed {
                return Ok(self.pdu(pdu.event_id.as_str())?.unwrap_or(Arc::new(pdu)));
            }
        }
        let room = self
            .room_record(&pdu.room_id)?
            .ok_or_else(|| ServiceError::not_found("unknown room"))?;
        self.write_remote_event(pdu, room, state_before, soft_failed, forward)
    }

    fn write_remote_event(
        &self,
        pdu: Pdu,
        mut room: RoomRecord,
        state_before: u64,
        soft_failed: bool,
        forward: bool,
    ) -> Result<Arc<Pdu>> {
        let rules = rules_for(&room.version)?;
        let slot = self.stream.allocate(&self.db)?;
        let stream = if soft_failed { 0 } else { slot.position() };
        let event_id = pdu.event_id.to_string();
        let room_id = pdu.room_id.to_string();
        let mut batch = self.db.batch();
        let mut fresh = HashMap::new();
        let short_event = self.short_event_id_or_new(&mut batch, &mut fresh, &event_id)?;
        let state_after = match &pdu.state_key {
            Some(state_key) => {
                let key = self.short_state_key(&pdu.kind.to_string(), state_key)?;
                self.new_state_group(&mut batch, state_before, &[(key, short_event)])?
            }
            None => state_before,
        };
        batch.put::<Events>(&event_id, &pdu.to_json_string().into_bytes())?;
        let meta = EventMetaRecord {
            room_id: room_id.clone(),
            stream,
            state_before,
            state_after,
            rejected: false,
            soft_failed,
            redacted_by: None,
            txn: None,
        };
        batch.put::<EventMeta>(&event_id, &Json(meta))?;
        if !soft_failed {
            batch.put::<RoomTimeline>(&(room_id.clone(), stream), &event_id)?;
            batch.put::<StreamEvents>(&stream, &Json((room_id.clone(), event_id.clone())))?;
            self.index_relation(&mut batch, &pdu, stream)?;
            self.mark_redaction(&mut batch, &pdu)?;
            // Resolution and re-indexing read the event before the batch lands.
            self.cache_pdu(Arc::new(pdu.clone()));
            let fresh_ids = (&fresh, state_after, stream);
            self.advance_room(&mut batch, &mut room, &pdu, fresh_ids, &rules)?;
            self.note_bump(&mut batch, &pdu, stream)?;
            batch.put::<Rooms>(&room_id, &Json(room))?;
            if forward {
                self.outbox_pdu(&mut batch, &pdu, &[])?;
            }
        }
        self.db.write(batch)?;
        let pdu = Arc::new(pdu);
        self.cache_pdu(pdu.clone());
        drop(slot);
        Ok(pdu)
    }

    /// New forward extremities (the event replaces those it follows) and the
    /// new current state; membership indexes follow the current state.
    fn advance_room(
        &self,
        batch: &mut Batch<'_>,
        room: &mut RoomRecord,
        pdu: &Pdu,
        (fresh, state_after, stream): (&HashMap<String, u64>, u64, u64),
        rules: &ruma::room_version_rules::RoomVersionRules,
    ) -> Result<()> {
        let mut extremities: Vec<String> = room
            .forward_extremities
            .iter()
            .filter(|id| !pdu.prev_events.iter().any(|p| p.as_str() == id.as_str()))
            .cloned()
            .collect();
        extremities.push(pdu.event_id.to_string());
        let mut groups = vec![state_after];
        for id in &extremities[..extremities.len() - 1] {
            if let Some(meta) = self.event_meta(id)? {
                groups.push(meta.state_after);
            }
        }
        let old_group = room.state_group;
        let new_group = self.resolve_state_groups(batch, fresh, &groups, rules)?;
        self.index_state_change(batch, old_group, new_group, stream)?;
        room.forward_extremities = extremities;
        room.depth = room.depth.max(pdu.depth);
        room.state_group = new_group;
        room.last_stream = stream;
        Ok(())
    }

    /// Re-indexes the memberships that differ between two current states.
    fn index_state_change(
        &self,
        batch: &mut Batch<'_>,
        old_group: u64,
        new_group: u64,
        stream: u64,
    ) -> Result<()> {
        if old_group == new_group {
            return Ok(());
        }
        let old = self.state_group(old_group)?;
        let new = self.state_group(new_group)?;
        for (key, event) in new.iter() {
            if old.get(key) == Some(event) {
                continue;
            }
            let (kind, _) = self.state_key_of(*key)?;
            if kind != "m.room.member" {
                continue;
            }
            if let Some(member) = self.pdu(&self.event_id_of(*event)?)? {
                self.index_membership(batch, &member, stream)?;
            }
        }
        Ok(())
    }

    /// Records a room joined over federation: `group` is the state before
    /// the join (from the resident server), and the join is appended on it.
    pub async fn create_remote_room(
        &self,
        version: &RoomVersionId,
        group: u64,
        join: Pdu,
    ) -> Result<Arc<Pdu>> {
        let room_id = join.room_id.clone();
        let lock = self.room_lock(room_id.as_str());
        let _guard = lock.lock().await;
        let existing = self.room_record(&room_id)?;
        // A rejoin starts from the state the resident server sent; the
        // extremities from before the leave are stale.
        let room = RoomRecord {
            version: version.to_string(),
            forward_extremities: vec![],
            depth: existing.as_ref().map_or(0, |r| r.depth),
            state_group: existing.as_ref().map_or(0, |r| r.state_group),
            last_stream: existing.as_ref().map_or(0, |r| r.last_stream),
        };
        self.write_remote_event(join, room, group, false, false)
    }

    /// Stores an invite of a local user received through `/invite`, or a
    /// knock answered by `send_knock`, with the room's stripped state.
    pub fn store_remote_invite(&self, invite: RemoteInvite) -> Result<()> {
        let Some(user) = invite.pdu.state_key.clone() else {
            return Err(ServiceError::BadJson("invite has no state_key".into()));
        };
        let room_id = invite.pdu.room_id.to_string();
        let slot = self.stream.allocate(&self.db)?;
        let mut batch = self.db.batch();
        self.put_outlier(&mut batch, &invite.pdu, false)?;
        batch.put::<InviteStates>(
            &(user.clone(), room_id.clone()),
            &Json(invite.invite_room_state),
        )?;
        let record = Json(MembershipRecord {
            membership: invite.pdu.content_str("membership").unwrap_or_default(),
            event_id: invite.pdu.event_id.to_string(),
            stream: slot.position(),
        });
        batch.put::<UserRooms>(&(user, room_id), &record)?;
        self.db.write(batch)?;
        drop(slot);
        Ok(())
    }

    /// Records a membership of a local user in a room this server holds no
    /// state of (a rejected invite, a rescinded knock), from its event.
    pub fn record_outside_membership(&self, user: &UserId, pdu: &Pdu) -> Result<()> {
        let membership = pdu.content_str("membership").unwrap_or_default();
        let slot = self.stream.allocate(&self.db)?;
        let mut batch = self.db.batch();
        self.put_outlier(&mut batch, pdu, false)?;
        let record = Json(MembershipRecord {
            membership,
            event_id: pdu.event_id.to_string(),
            stream: slot.position(),
        });
        batch.put::<UserRooms>(&(user.to_string(), pdu.room_id.to_string()), &record)?;
        self.db.write(batch)?;
        drop(slot);
        Ok(())
    }

    /// The stripped state an inviting server sent with an invite.
    pub fn remote_invite_state(&self, user: &str, room_id: &RoomId) -> Result<Option<Vec<Value>>> {
        Ok(self
            .db
            .get::<InviteStates>(&(user.to_owned(), room_id.to_string()))?
            .map(|j| j.0))
    }
}
