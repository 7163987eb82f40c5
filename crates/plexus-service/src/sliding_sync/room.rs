//! One room of a response. A room the client does not hold yet (or holds
//! only as an invite) is sent whole (`initial`); a room it holds is sent
//! only when something changed since the stream position it was last sent
//! at: new events, changed wanted state, new counts, a new `bump_stamp`. A larger
//! `timeline_limit` than last time re-sends the timeline from the latest
//! events (`unstable_expanded_timeline`, always `limited`).

mod meta;
mod outside;
mod state;

use std::collections::{BTreeSet, HashSet};

use plexus_storage::Direction;
use ruma::{RoomId, UserId};
use serde_json::{json, Map, Value};

use self::state::StateOutcome;
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

/// The parts of a joined (or left) room's update, before deciding to send it.
struct MemberRoom<'a> {
    room_id: &'a RoomId,
    joined: bool,
    /// Events and state are read up to here (the leave, for a left room).
    upto: u64,
    initial: bool,
    expanded: bool,
    timeline: Timeline,
    state: StateOutcome,
    counts: (u64, u64),
}

impl MemberRoom<'_> {
    /// Whether the client lacks anything of this: a new room, events,
    /// state, counts, a new place in the order, or a new membership.
    fn changed(&self, req: &RoomRequest<'_>) -> bool {
        let Some(prev) = req.prev else {
            return true;
        };
        self.initial
            || self.expanded
            || !self.timeline.events.is_empty()
            || !self.state.events.is_empty()
            || (prev.notification_count, prev.highlight_count) != self.counts
            || prev.bump_stamp != req.candidate.bump_stamp
            || prev.membership != req.candidate.membership.membership
    }
}

impl Services {
    pub(crate) fn sliding_room(&self, req: &RoomRequest<'_>) -> Result<Option<RoomUpdate>> {
        if req.candidate.is_invite_or_knock() {
            self.sliding_invited_room(req)
        } else {
            self.sliding_member_room(req)
        }
    }

    /// A joined room, or one left or banned from (up to that event).
    fn sliding_member_room(&self, req: &RoomRequest<'_>) -> Result<Option<RoomUpdate>> {
        let membership = &req.candidate.membership;
        let was_outside = req
            .prev
            .is_some_and(|p| matches!(p.membership.as_str(), "invite" | "knock"));
        if was_outside && membership.membership != "join" {
            return self.sliding_refused_room(req);
        }
        let room_id = RoomId::parse(&req.candidate.room).map_err(ServiceError::internal)?;
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
        let (timeline, state) = if self.quiet_since(&room_id, req, since)? {
            (Timeline::default(), StateOutcome::default())
        } else {
            let timeline = self.sliding_timeline(&room_id, req, since, upto)?;
            let state = self.sliding_required_state(&room_id, req, initial, upto, &timeline)?;
            (timeline, state)
        };
        let counts = match joined {
            true => self.unread_counts(&room_id, req.user, membership.stream)?,
            false => Default::default(),
        };
        let parts = MemberRoom {
            room_id: &room_id,
            joined,
            upto,
            initial,
            expanded,
            timeline,
            state,
            counts: (counts.notify, counts.highlight),
        };
        if !parts.changed(req) {
            return Ok(None);
        }
        self.member_room_update(req, parts).map(Some)
    }

    fn member_room_update(
        &self,
        req: &RoomRequest<'_>,
        parts: MemberRoom<'_>,
    ) -> Result<RoomUpdate> {
        let mut value = Map::new();
        if parts.initial {
            value.insert("initial".into(), json!(true));
            value.insert("is_dm".into(), json!(req.is_dm));
        }
        if parts.expanded {
            value.insert("unstable_expanded_timeline".into(), json!(true));
        }
        if parts.initial || parts.state.summary_changed {
            self.insert_room_summary(parts.room_id, req, parts.joined, &mut value)?;
        }
        let timeline = &parts.timeline;
        let num_live = self.num_live(
            parts.room_id,
            req.pos_stream,
            parts.upto,
            timeline.events.len(),
        )?;
        let prev_batch = timeline
            .first
            .map_or(parts.upto, |(s, _)| s.saturating_sub(1));
        value.insert("required_state".into(), json!(parts.state.events));
        value.insert("timeline".into(), json!(timeline.events));
        // An expanded timeline re-sends history the client partly holds. Not
        // contiguous with what it had, so always `limited` (as a room with
        // more history than the limit gets anyway): the client starts a
        // fresh window at `prev_batch` instead of appending old events as
        // new ones after its own recent sends, and drops its older gap.
        let limited = timeline.limited || parts.expanded;
        value.insert("limited".into(), json!(limited));
        value.insert("prev_batch".into(), json!(make_token(prev_batch)));
        value.insert("num_live".into(), json!(num_live));
        value.insert("bump_stamp".into(), json!(req.candidate.bump_stamp));
        value.insert("notification_count".into(), json!(parts.counts.0));
        value.insert("highlight_count".into(), json!(parts.counts.1));
        tracing::debug!(
            user = %req.user,
            device = req.device,
            room = %parts.room_id,
            initial = parts.initial,
            expanded = parts.expanded,
            limited,
            since = ?req.prev.map(|p| p.stream),
            upto = parts.upto,
            prev_batch,
            events = ?timeline.events.iter().filter_map(|e| e.get("event_id")).collect::<Vec<_>>(),
            "sliding sync room update"
        );
        let sent = RoomSent {
            stream: parts.upto,
            membership: req.candidate.membership.membership.clone(),
            required_state: req.config.required_state.clone(),
            timeline_limit: req.config.timeline_limit,
            lazy_members: remembered_lazy(req.prev, parts.initial, &parts.state.lazy_sent),
            notification_count: parts.counts.0,
            highlight_count: parts.counts.1,
            bump_stamp: req.candidate.bump_stamp,
        };
        Ok(RoomUpdate {
            value: Value::Object(value),
            sent,
            initial: parts.initial,
        })
    }

    /// No event since `since` and the same `required_state`: nothing of the
    /// timeline or state can be new (the common case on a long-poll).
    fn quiet_since(
        &self,
        room_id: &RoomId,
        req: &RoomRequest<'_>,
        since: Option<u64>,
    ) -> Result<bool> {
        let (Some(since), Some(prev)) = (since, req.prev) else {
            return Ok(false);
        };
        if prev.required_state != req.config.required_state {
            return Ok(false);
        }
        Ok(self
            .room_record(room_id)?
            .is_some_and(|room| room.last_stream <= since))
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
            return Ok(Timeline::default());
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
