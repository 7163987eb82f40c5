//! What `send_join` answers a joining server: the state before its join and
//! the auth chain of that state and the join. With `omit_members` (spec 1.6,
//! the "faster joins" of MSC3706) the state leaves out membership events —
//! all but the heroes' when the room has neither name nor canonical alias,
//! so the joiner can still name it — and the auth chain leaves out what the
//! state already carries. The joiner fetches the rest later (`/state_ids`).

use std::{collections::HashSet, sync::Arc};

use plexus_core::Pdu;
use ruma::{OwnedEventId, RoomId, UserId};

use crate::{Result, ServiceError, Services};

/// The state before an event and the auth chain of that state and the event.
pub type StateAndAuthChain = (Vec<Arc<Pdu>>, Vec<Arc<Pdu>>);

impl Services {
    /// The state before a stored event and the auth chain of that state and
    /// the event: what `send_join` answers.
    pub fn state_and_auth_chain(&self, event_id: &str) -> Result<StateAndAuthChain> {
        let (room_id, state) = self.state_before_event(event_id)?;
        let auth_chain = self.join_auth_chain(&room_id, &state, event_id, false)?;
        Ok((state, auth_chain))
    }

    /// [`Services::state_and_auth_chain`] for a joiner that accepts a reduced
    /// answer (`omit_members`): see the module documentation.
    pub fn state_and_auth_chain_without_members(
        &self,
        event_id: &str,
        joiner: &UserId,
    ) -> Result<StateAndAuthChain> {
        let (room_id, state) = self.state_before_event(event_id)?;
        let named = state.iter().any(|pdu| {
            matches!(
                pdu.kind.to_string().as_str(),
                "m.room.name" | "m.room.canonical_alias"
            ) && pdu.state_key.as_deref() == Some("")
        });
        let heroes: HashSet<String> = match named {
            true => HashSet::new(),
            false => self.room_hero_ids(&room_id, joiner)?.into_iter().collect(),
        };
        let state: Vec<Arc<Pdu>> = state
            .into_iter()
            .filter(|pdu| {
                pdu.kind.to_string() != "m.room.member"
                    || pdu.state_key.as_ref().is_some_and(|k| heroes.contains(k))
            })
            .collect();
        let auth_chain = self.join_auth_chain(&room_id, &state, event_id, true)?;
        Ok((state, auth_chain))
    }

    /// Up to five members other than `user`, joined first, then invited:
    /// who names a room that has no name.
    pub fn room_hero_ids(&self, room_id: &RoomId, user: &UserId) -> Result<Vec<String>> {
        let joined = self.room_members(room_id, "join")?;
        let invited = self.room_members(room_id, "invite")?;
        Ok(crate::rooms::hero_ids(&joined, &invited, user)
            .cloned()
            .collect())
    }

    fn state_before_event(&self, event_id: &str) -> Result<(ruma::OwnedRoomId, Vec<Arc<Pdu>>)> {
        let meta = self
            .event_meta(event_id)?
            .ok_or_else(|| ServiceError::not_found("unknown event"))?;
        let room_id = RoomId::parse(&meta.room_id).map_err(ServiceError::internal)?;
        Ok((room_id, self.state_events_in_group(meta.state_before)?))
    }

    /// The auth chain of `state` and of the event, oldest first, with the
    /// create event always in (from v12 no event cites it, but the joiner
    /// needs it to check the rest). `elide_state` leaves out events that
    /// `state` itself carries.
    fn join_auth_chain(
        &self,
        room_id: &RoomId,
        state: &[Arc<Pdu>],
        event_id: &str,
        elide_state: bool,
    ) -> Result<Vec<Arc<Pdu>>> {
        let mut start: Vec<OwnedEventId> = state.iter().map(|pdu| pdu.event_id.clone()).collect();
        if let Ok(id) = OwnedEventId::try_from(event_id) {
            start.push(id);
        }
        let mut ids = self.auth_chain_ids(start)?;
        let create = self.current_state_event(room_id, "m.room.create", "")?;
        if let Some(create) = &create {
            ids.remove(&create.event_id);
        }
        if elide_state {
            for pdu in state {
                ids.remove(&pdu.event_id);
            }
        }
        let in_state =
            |pdu: &Arc<Pdu>| elide_state && state.iter().any(|s| s.event_id == pdu.event_id);
        let mut auth_chain: Vec<Arc<Pdu>> = create.into_iter().filter(|c| !in_state(c)).collect();
        for id in ids {
            if let Some(pdu) = self.pdu(id.as_str())? {
                auth_chain.push(pdu);
            }
        }
        auth_chain.sort_by_key(|pdu| pdu.depth);
        Ok(auth_chain)
    }
}

#[cfg(test)]
mod tests;
