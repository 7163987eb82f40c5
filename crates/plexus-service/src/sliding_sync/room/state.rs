//! `required_state` of one room: on first sending, the wanted entries of
//! the current state; afterwards only wanted entries that changed since the
//! room was last sent, entries newly wanted by a changed `required_state`,
//! and the members of new timeline senders under `$LAZY`.

use std::collections::BTreeSet;

use ruma::RoomId;
use serde_json::Value;

use super::RoomRequest;
use crate::{
    sliding_sync::required_state::RequiredState, state::ShortStateMap, sync::room::Timeline,
    timeline::Viewer, Result, Services,
};

/// Types whose change alters the room's name, avatar, heroes or counts.
const SUMMARY_TYPES: &[&str] = &["m.room.name", "m.room.avatar", "m.room.member"];

#[derive(Default)]
pub(crate) struct StateOutcome {
    pub events: Vec<Value>,
    /// Name, avatar or membership changed: the summary fields are re-sent.
    pub summary_changed: bool,
    /// Members sent this time because of `$LAZY`.
    pub lazy_sent: BTreeSet<String>,
}

impl Services {
    pub(super) fn sliding_required_state(
        &self,
        room_id: &RoomId,
        req: &RoomRequest<'_>,
        initial: bool,
        upto: u64,
        timeline: &Timeline,
    ) -> Result<StateOutcome> {
        let wanted = RequiredState::new(&req.config.required_state, req.user.as_str());
        let group = self.state_group_at_stream(room_id, upto)?.0;
        let after = self.state_group(group)?;
        let mut picked = BTreeSet::new();
        let mut outcome = StateOutcome {
            events: vec![],
            summary_changed: false,
            lazy_sent: BTreeSet::new(),
        };
        let known_lazy = match req.prev {
            Some(prev) if !initial => {
                self.pick_state_changes(
                    room_id,
                    req,
                    &wanted,
                    &after,
                    timeline,
                    &mut picked,
                    &mut outcome,
                )?;
                prev.lazy_members.clone()
            }
            _ => {
                self.pick_all_wanted(&wanted, &after, &timeline.senders, &mut picked)?;
                BTreeSet::new()
            }
        };
        if wanted.lazy_members() {
            for sender in timeline.senders.difference(&known_lazy) {
                if let Some(event) = self.slot_event(&after, "m.room.member", sender)? {
                    picked.insert(event);
                    outcome.lazy_sent.insert(sender.clone());
                }
            }
        }
        outcome.events = self.render_state(&picked, req)?;
        Ok(outcome)
    }

    /// Wanted entries that changed since the room was last sent, plus those
    /// a widened `required_state` now asks for.
    #[allow(clippy::too_many_arguments)]
    fn pick_state_changes(
        &self,
        room_id: &RoomId,
        req: &RoomRequest<'_>,
        wanted: &RequiredState,
        after: &ShortStateMap,
        timeline: &Timeline,
        picked: &mut BTreeSet<u64>,
        outcome: &mut StateOutcome,
    ) -> Result<()> {
        let Some(prev) = req.prev else {
            return Ok(());
        };
        let before_group = self.state_group_at_stream(room_id, prev.stream)?.0;
        let before = self.state_group(before_group)?;
        let mut lazy = prev.lazy_members.clone();
        lazy.extend(timeline.senders.iter().cloned());
        for (short_key, short_event) in after.iter() {
            if before.get(short_key) == Some(short_event) {
                continue;
            }
            let (kind, key) = self.state_key_of(*short_key)?;
            outcome.summary_changed |= SUMMARY_TYPES.contains(&kind.as_str());
            if wanted.wants(&kind, &key, &lazy) {
                picked.insert(*short_event);
            }
        }
        if prev.required_state != req.config.required_state {
            let old = RequiredState::new(&prev.required_state, req.user.as_str());
            for (short_key, short_event) in after.iter() {
                let (kind, key) = self.state_key_of(*short_key)?;
                if wanted.wants(&kind, &key, &lazy) && !old.wants(&kind, &key, &prev.lazy_members) {
                    picked.insert(*short_event);
                }
            }
        }
        Ok(())
    }

    /// Every wanted entry of the state (looked up directly when possible).
    fn pick_all_wanted(
        &self,
        wanted: &RequiredState,
        state: &ShortStateMap,
        lazy: &BTreeSet<String>,
        picked: &mut BTreeSet<u64>,
    ) -> Result<()> {
        if wanted.is_empty() {
            return Ok(());
        }
        if let Some(entries) = wanted.exact_entries() {
            for (kind, key) in entries {
                picked.extend(self.slot_event(state, &kind, &key)?);
            }
            return Ok(());
        }
        for (short_key, short_event) in state.iter() {
            let (kind, key) = self.state_key_of(*short_key)?;
            if wanted.wants(&kind, &key, lazy) {
                picked.insert(*short_event);
            }
        }
        Ok(())
    }

    /// The short event ID filling (kind, key) in a state map.
    fn slot_event(&self, state: &ShortStateMap, kind: &str, key: &str) -> Result<Option<u64>> {
        Ok(self
            .existing_short_state_key(kind, key)?
            .and_then(|short| state.get(&short).copied()))
    }

    fn render_state(&self, picked: &BTreeSet<u64>, req: &RoomRequest<'_>) -> Result<Vec<Value>> {
        let viewer = Viewer {
            user: req.user,
            device: Some(req.device),
        };
        let mut events = Vec::with_capacity(picked.len());
        for short_event in picked {
            let event_id = self.event_id_of(*short_event)?;
            if let (Some(pdu), Some(meta)) = (self.pdu(&event_id)?, self.event_meta(&event_id)?) {
                events.push(self.render_event(&pdu, &meta, viewer, false)?);
            }
        }
        Ok(events)
    }
}
