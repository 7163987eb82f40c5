//! One room of a response. A room the client does not hold yet (or holds
//! only as an invite) is sent whole (`initial`); a room it holds is sent
//! only when something changed since the stream position it was last sent
//! at: new events, changed wanted state, new counts. A larger
//! `timeline_limit` than last time re-sends the timeline from the latest
//! events (`unstable_expanded_timeline`).

mod meta;
mod state;

use std::collections::{BTreeSet, HashSet};

use plexus_storage::Direction;
use ruma::{RoomId, UserId};
use serde_json::{json, Map, Value};

use super::{connection::RoomSent, lists::Candidate, request::RoomConfig};
use crate::{
    filters::SyncFilter,
    sync::{
        make_token,
        room::{RoomSync, Timeline},
        SyncParams,
    },
    timeline::Viewer,
    Result, ServiceError, Services,
};

/// Members remembered per room as already sent for `$LAZY`.
const MAX_LAZY_REMEMBERED: usize = 100;

/// Everything one room's response depends on.
pub(crate) struct RoomRequest<'a> {
    pub user: &'a UserId,
    pub device: &'a str,
    pub candidate: &'a Candidate,
    pub config: &'a RoomConfig,
    pub prev: Option<&'a RoomSent>,
    /// Stream position of the `pos` answered (`None` on a new connection).
    pub pos_stream: Option<u64>,
    pub current: u64,
    pub ignored: &'a HashSet<String>,
    pub is_dm: bool,
}

/// A room's response and what the client holds once it has it.
pub(crate) struct RoomUpdate {
    pub value: Value,
    pub sent: RoomSent,
    pub initial: bool,
}

impl Services {
    pub(crate) fn sliding_room(&self, req: &RoomRequest<'_>) -> Result<Option<RoomUpdate>> {
        if req.candidate.is_invite_or_knock() {
            self.sliding_invited_room(req)
        } else {
            self.sliding_member_room(req)
        }
    }

    fn sliding_invited_room(&self, req: &RoomRequest<'_>) -> Result<Option<RoomUpdate>> {
        let membership = &req.candidate.membership;
        let sent = RoomSent {
            stream: membership.stream,
            membership: membership.membership.clone(),
            required_state: req.config.required_state.clone(),
            timeline_limit: req.config.timeline_limit,
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

    /// A joined room, or one left or banned from (up to that event).
    fn sliding_member_room(&self, req: &RoomRequest<'_>) -> Result<Option<RoomUpdate>> {
        let room_id = RoomId::parse(&req.candidate.room).map_err(ServiceError::internal)?;
        let membership = &req.candidate.membership;
        let joined = membership.membership == "join";
        let upto = if joined {
            req.current
        } else {
            membership.stream
        };
        let initial = req.prev.is_none_or(|p| joined && p.membership != "join");
        let expanded = !initial
            && req
                .prev
                .is_some_and(|p| req.config.timeline_limit > p.timeline_limit);
        let since = req.prev.filter(|_| !initial && !expanded).map(|p| p.stream);
        let timeline = self.sliding_timeline(&room_id, req, since, upto)?;
        let state = self.sliding_required_state(&room_id, req, initial, upto, &timeline)?;
        let counts = if joined {
            let counts = self.unread_counts(&room_id, req.user, membership.stream)?;
            (counts.notify, counts.highlight)
        } else {
            (0, 0)
        };
        let counts_changed = req
            .prev
            .is_none_or(|p| (p.notification_count, p.highlight_count) != counts);
        let membership_changed = req
            .prev
            .is_some_and(|p| p.membership != membership.membership);
        let changed = initial
            || expanded
            || counts_changed
            || membership_changed
            || !timeline.events.is_empty()
            || !state.events.is_empty();
        if !changed {
            return Ok(None);
        }
        let mut value = Map::new();
        if initial {
            value.insert("initial".into(), json!(true));
            value.insert("is_dm".into(), json!(req.is_dm));
        }
        if expanded {
            value.insert("unstable_expanded_timeline".into(), json!(true));
        }
        if initial || state.summary_changed {
            self.insert_room_summary(&room_id, req, joined, &mut value)?;
        }
        let num_live = self.num_live(&room_id, req.pos_stream, upto, timeline.events.len())?;
        let prev_batch = timeline.first.map_or(upto, |(s, _)| s.saturating_sub(1));
        value.insert("required_state".into(), json!(state.events));
        value.insert("timeline".into(), json!(timeline.events));
        value.insert("limited".into(), json!(timeline.limited));
        value.insert("prev_batch".into(), json!(make_token(prev_batch)));
        value.insert("num_live".into(), json!(num_live));
        value.insert("bump_stamp".into(), json!(req.candidate.bump_stamp));
        value.insert("notification_count".into(), json!(counts.0));
        value.insert("highlight_count".into(), json!(counts.1));
        let sent = RoomSent {
            stream: upto,
            membership: membership.membership.clone(),
            required_state: req.config.required_state.clone(),
            timeline_limit: req.config.timeline_limit,
            lazy_members: remembered_lazy(req.prev, initial, &state.lazy_sent),
            notification_count: counts.0,
            highlight_count: counts.1,
        };
        Ok(Some(RoomUpdate {
            value: Value::Object(value),
            sent,
            initial,
        }))
    }

    /// The latest `timeline_limit` visible events after `since` (all the
    /// latest when `since` is `None`), through classic sync's timeline.
    fn sliding_timeline(
        &self,
        room_id: &RoomId,
        req: &RoomRequest<'_>,
        since: Option<u64>,
        upto: u64,
    ) -> Result<Timeline> {
        if req.config.timeline_limit == 0 {
            return Ok(Timeline {
                events: vec![],
                first: None,
                limited: false,
                senders: BTreeSet::new(),
            });
        }
        let mut params = SyncParams {
            filter: SyncFilter::default(),
            ..SyncParams::default()
        };
        params.filter.room.timeline.limit = Some(req.config.timeline_limit);
        let ctx = RoomSync {
            room: &req.candidate.room,
            viewer: Viewer {
                user: req.user,
                device: Some(req.device),
            },
            since,
            current: req.current,
            params: &params,
            membership: &req.candidate.membership,
            ignored: req.ignored,
        };
        self.sync_timeline(room_id, &ctx, since, upto)
    }

    /// Timeline events that arrived after the `pos` answered (at most `sent`).
    fn num_live(
        &self,
        room_id: &RoomId,
        pos_stream: Option<u64>,
        upto: u64,
        sent: usize,
    ) -> Result<usize> {
        let Some(live_after) = pos_stream else {
            return Ok(0);
        };
        let mut live = 0;
        for row in self
            .timeline_scan(room_id, upto, Direction::Backward)?
            .take(sent)
        {
            if row?.0 <= live_after {
                break;
            }
            live += 1;
        }
        Ok(live)
    }
}

/// Members the client holds for `$LAZY` after this response (bounded: past
/// the limit only this response's are kept, so some may be sent again).
fn remembered_lazy(
    prev: Option<&RoomSent>,
    initial: bool,
    sent_now: &BTreeSet<String>,
) -> BTreeSet<String> {
    let mut members: BTreeSet<String> = match prev {
        Some(p) if !initial => p.lazy_members.clone(),
        _ => BTreeSet::new(),
    };
    members.extend(sent_now.iter().cloned());
    if members.len() > MAX_LAZY_REMEMBERED {
        members = sent_now.iter().cloned().collect();
    }
    members
}
