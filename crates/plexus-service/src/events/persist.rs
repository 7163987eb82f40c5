//! Writing an authorized event: the event, its metadata, timeline and
//! stream indexes, state group, room record, membership indexes and the
//! transaction ID, all in one batch.

use std::sync::Arc;

use plexus_core::Pdu;
use plexus_storage::{Batch, Json};

use crate::{
    events::Txn,
    records::{EventMetaRecord, MembershipRecord, RoomRecord},
    tables::{
        EventMeta, Events, Forgotten, RoomMembers, RoomTimeline, Rooms, StreamEvents, TxnIds,
        UserRooms,
    },
    Result, Services,
};

impl Services {
    /// Persists an event that passed auth, as the room's new forward extremity.
    pub(crate) fn persist_event(
        &self,
        pdu: Pdu,
        mut room: RoomRecord,
        txn: Option<Txn>,
    ) -> Result<Arc<Pdu>> {
        let slot = self.stream.allocate(&self.db)?;
        let stream = slot.position();
        let event_id = pdu.event_id.to_string();
        let room_id = pdu.room_id.to_string();
        let mut batch = self.db.batch();
        let short_event = self.new_short_event_id(&mut batch, &event_id)?;
        let state_before = room.state_group;
        let state_after = match &pdu.state_key {
            Some(state_key) => {
                let short_key = self.short_state_key(&pdu.kind.to_string(), state_key)?;
                self.new_state_group(&mut batch, state_before, &[(short_key, short_event)])?
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
            soft_failed: false,
            redacted_by: None,
            txn: txn.as_ref().map(|t| (t.device.clone(), t.id.clone())),
        };
        batch.put::<EventMeta>(&event_id, &Json(meta))?;
        batch.put::<RoomTimeline>(&(room_id.clone(), stream), &event_id)?;
        batch.put::<StreamEvents>(&stream, &Json((room_id.clone(), event_id.clone())))?;
        if let Some(txn) = &txn {
            batch.put::<TxnIds>(&txn.key(&pdu.sender), &event_id)?;
        }
        self.outbox_room_event(&mut batch, &pdu)?;
        self.index_membership(&mut batch, &pdu, stream)?;
        self.index_relation(&mut batch, &pdu, stream)?;
        self.mark_redaction(&mut batch, &pdu)?;
        room.forward_extremities = vec![event_id];
        room.depth = room.depth.max(pdu.depth);
        room.state_group = state_after;
        room.last_stream = stream;
        self.note_bump(&mut batch, &pdu, stream)?;
        batch.put::<Rooms>(&room_id, &Json(room))?;
        self.db.write(batch)?;
        let pdu = Arc::new(pdu);
        self.cache_pdu(pdu.clone());
        drop(slot);
        Ok(pdu)
    }

    pub(crate) fn index_membership(
        &self,
        batch: &mut Batch<'_>,
        pdu: &Pdu,
        stream: u64,
    ) -> Result<()> {
        if pdu.kind.to_string() != "m.room.member" {
            return Ok(());
        }
        let (Some(user), Some(membership)) = (&pdu.state_key, pdu.content_str("membership")) else {
            return Ok(());
        };
        let record = Json(MembershipRecord {
            membership,
            event_id: pdu.event_id.to_string(),
            stream,
        });
        batch.put::<RoomMembers>(&(pdu.room_id.to_string(), user.clone()), &record)?;
        batch.put::<UserRooms>(&(user.clone(), pdu.room_id.to_string()), &record)?;
        self.index_room_server(batch, pdu)?;
        if record.0.membership != "leave" && record.0.membership != "ban" {
            batch.delete::<Forgotten>(&(user.clone(), pdu.room_id.to_string()))?;
        }
        Ok(())
    }

    pub(crate) fn mark_redaction(&self, batch: &mut Batch<'_>, pdu: &Pdu) -> Result<()> {
        let Some(target) = pdu
            .redacts
            .as_ref()
            .filter(|_| pdu.kind.to_string() == "m.room.redaction")
        else {
            return Ok(());
        };
        let key = target.to_string();
        if let Some(Json(mut meta)) = self.db.get::<EventMeta>(&key)? {
            if meta.room_id == pdu.room_id.as_str() {
                meta.redacted_by = Some(pdu.event_id.to_string());
                batch.put::<EventMeta>(&key, &Json(meta))?;
            }
        }
        Ok(())
    }
}
