//! Rooms the user is outside of: invites and knocks (sent whole with their
//! stripped state, again only when the membership changes), and invites
//! rejected or knocks withdrawn (only the membership event: the user never
//! saw the room's history).

use serde_json::json;

use super::{RoomRequest, RoomUpdate};
use crate::{sliding_sync::connection::RoomSent, timeline::Viewer, Result, Services};

impl Services {
    pub(super) fn sliding_invited_room(&self, req: &RoomRequest<'_>) -> Result<Option<RoomUpdate>> {
        let membership = &req.candidate.membership;
        let sent = RoomSent {
            stream: membership.stream,
            membership: membership.membership.clone(),
            required_state: req.config.required_state.clone(),
            timeline_limit: req.config.timeline_limit,
            bump_stamp: req.candidate.bump_stamp,
            ..RoomSent::default()
        };
        if req
            .prev
            .is_some_and(|p| p.membership == sent.membership && p.stream == sent.stream)
        {
            return Ok(None);
        }
        let stripped = self.stripped_state(&req.candidate.room, &membership.event_id)?;
        let field = format!("{}_state", membership.membership);
        let mut value = json!({
            "initial": true,
            field: stripped,
            "bump_stamp": req.candidate.bump_stamp,
            "is_dm": req.is_dm,
        });
        if let Some(name) = self.candidate_state(req.candidate, "m.room.name")? {
            value["name"] = name["name"].clone();
        }
        if let Some(avatar) = self.candidate_state(req.candidate, "m.room.avatar")? {
            value["avatar"] = avatar["url"].clone();
        }
        Ok(Some(RoomUpdate {
            value,
            sent,
            initial: true,
        }))
    }

    pub(super) fn sliding_refused_room(&self, req: &RoomRequest<'_>) -> Result<Option<RoomUpdate>> {
        let membership = &req.candidate.membership;
        let viewer = Viewer {
            user: req.user,
            device: Some(req.device),
        };
        let event_id = &membership.event_id;
        let timeline = match (self.pdu(event_id)?, self.event_meta(event_id)?) {
            (Some(pdu), Some(meta)) => vec![self.render_event(&pdu, &meta, viewer, false)?],
            _ => vec![],
        };
        let value = json!({
            "timeline": timeline,
            "required_state": [],
            "bump_stamp": req.candidate.bump_stamp,
        });
        let sent = RoomSent {
            stream: membership.stream,
            membership: membership.membership.clone(),
            bump_stamp: req.candidate.bump_stamp,
            ..RoomSent::default()
        };
        Ok(Some(RoomUpdate {
            value,
            sent,
            initial: false,
        }))
    }
}
