//! History older than this server's first event of a room (a room joined
//! over federation starts at the join): events fetched with `/backfill`
//! are placed below the room's earliest timeline entry, so `/messages`
//! pages into them like any other history. They are never part of `/sync`
//! (no global stream entry): they are old news.
//!
//! Their state is the earliest state this server holds for the room: the
//! remote server only hands out history our server may see, which is
//! history shared with members (`shared`, `world_readable`).

use std::collections::HashMap;

use plexus_core::Pdu;
use plexus_storage::{Direction, Json};
use ruma::RoomId;

use crate::{
    records::EventMetaRecord,
    tables::{EventMeta, Events, RoomTimeline},
    Result, Services,
};

impl Services {
    /// The room's oldest timeline entry: (timeline key, event ID).
    pub fn earliest_timeline_event(&self, room_id: &RoomId) -> Result<Option<(u64, String)>> {
        let mut scan = self.db.scan_from::<RoomTimeline, _>(
            &(room_id.to_string(),),
            None,
            Direction::Forward,
        )?;
        match scan.next() {
            Some(row) => {
                let ((_, key), id) = row?;
                Ok(Some((key, id)))
            }
            None => Ok(None),
        }
    }

    /// Stores checked history events below the room's earliest entry,
    /// newest first; returns how many were new.
    pub async fn persist_backfilled(
        &self,
        room_id: &RoomId,
        mut events: Vec<Pdu>,
    ) -> Result<usize> {
        let lock = self.room_lock(room_id.as_str());
        let _guard = lock.lock().await;
        let Some((mut key, earliest)) = self.earliest_timeline_event(room_id)? else {
            return Ok(0);
        };
        let group = self
            .event_meta(&earliest)?
            .map_or(0, |meta| meta.state_before);
        events.sort_by_key(|pdu| std::cmp::Reverse(pdu.depth));
        let mut batch = self.db.batch();
        let mut fresh = HashMap::new();
        let mut added = 0;
        for pdu in events {
            let id = pdu.event_id.to_string();
            let known = self
                .event_meta(&id)?
                .is_some_and(|m| m.stream != 0 || m.rejected);
            if known || pdu.room_id != room_id || key <= 1 {
                continue;
            }
            key -= 1;
            self.short_event_id_or_new(&mut batch, &mut fresh, &id)?;
            batch.put::<Events>(&id, &pdu.to_json_string().into_bytes())?;
            let meta = EventMetaRecord {
                room_id: room_id.to_string(),
                stream: key,
                state_before: group,
                state_after: group,
                rejected: false,
                soft_failed: false,
                redacted_by: None,
                txn: None,
            };
            batch.put::<EventMeta>(&id, &Json(meta))?;
            batch.put::<RoomTimeline>(&(room_id.to_string(), key), &id)?;
            self.index_relation(&mut batch, &pdu, key)?;
            self.mark_redaction(&mut batch, &pdu)?;
            added += 1;
        }
        self.db.write(batch)?;
        Ok(added)
    }
}
