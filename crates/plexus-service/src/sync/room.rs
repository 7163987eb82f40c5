//! The per-room parts of /sync: timeline with `limited`/`prev_batch`, the
//! state delta, ephemeral events, room account data, counts and summary.

use std::collections::BTreeSet;

use plexus_storage::Direction;
use ruma::RoomId;
use serde_json::{json, Value};

use crate::{
    records::MembershipRecord, relations::MAIN_THREAD, state::ShortStateMap, sync::SyncParams,
    timeline::Viewer, Result, ServiceError, Services,
};

const DEFAULT_TIMELINE_LIMIT: usize = 10;

pub(crate) struct RoomSync<'a> {
    pub room: &'a str,
    pub viewer: Viewer<'a>,
    pub since: Option<u64>,
    pub current: u64,
    pub params: &'a SyncParams,
    pub membership: &'a MembershipRecord,
    /// Senders whose messages the user ignores (`m.ignored_user_list`).
    pub ignored: &'a std::collections::HashSet<String>,
}

#[derive(Default)]
pub(crate) struct Timeline {
    pub(crate) events: Vec<Value>,
    /// Stream position and state group before the first event.
    pub(crate) first: Option<(u64, u64)>,
    pub(crate) limited: bool,
    pub(crate) senders: BTreeSet<String>,
}

impl Services {
    pub(super) fn joined_room_sync(
        &self,
        ctx: &RoomSync<'_>,
        co_members: &mut BTreeSet<String>,
    ) -> Result<Option<Value>> {
        let room_id = RoomId::parse(ctx.room).map_err(ServiceError::internal)?;
        let joined = self.room_members(&room_id, "join")?;
        co_members.extend(joined.iter().cloned());
        // A room joined within this range is new to the client: its timeline starts
        // from the latest events, not from `since`. `full_state` keeps the incremental
        // timeline but sends the whole state at its start.
        let newly_joined = ctx.since.is_none_or(|s| ctx.membership.stream > s);
        let initial = newly_joined || ctx.params.full_state;
        let since = if newly_joined { None } else { ctx.since };
        let timeline = self.sync_timeline(&room_id, ctx, since, ctx.current)?;
        let state = self.sync_state(&room_id, ctx, since, &timeline, initial, ctx.current)?;
        let ephemeral = self.sync_ephemeral(&room_id, ctx, initial)?;
        let account_data: Vec<Value> = self
            .account_data_since(ctx.viewer.user, ctx.since.filter(|_| !initial).unwrap_or(0))?
            .into_iter()
            .filter(|(room, _, _)| room == ctx.room)
            .map(|(_, kind, content)| json!({ "type": kind, "content": content }))
            .collect();
        let empty = timeline.events.is_empty()
            && state.is_empty()
            && ephemeral.is_empty()
            && account_data.is_empty();
        if !initial && empty {
            return Ok(None);
        }
        let prev_batch = timeline
            .first
            .map(|(s, _)| s.saturating_sub(1))
            .unwrap_or(ctx.current);
        let (unread, unread_threads) = self.unread_notifications(&room_id, ctx)?;
        let mut room = json!({
            "timeline": { "events": timeline.events, "limited": timeline.limited, "prev_batch": super::make_token(prev_batch) },
            "state": { "events": state },
            "ephemeral": { "events": ephemeral },
            "account_data": { "events": account_data },
            "unread_notifications": unread,
            "summary": self.room_summary_counts(&room_id, ctx.viewer.user, &joined)?,
        });
        if let Some(threads) = unread_threads {
            room["unread_thread_notifications"] = threads;
        }
        Ok(Some(room))
    }

    /// A room the user left or was banned from: the timeline up to that event.
    pub(super) fn left_room_sync(&self, ctx: &RoomSync<'_>) -> Result<Value> {
        let room_id = RoomId::parse(ctx.room).map_err(ServiceError::internal)?;
        let timeline = self.sync_timeline(&room_id, ctx, ctx.since, ctx.membership.stream)?;
        let state = self.sync_state(
            &room_id,
            ctx,
            ctx.since,
            &timeline,
            ctx.since.is_none(),
            ctx.membership.stream,
        )?;
        let prev_batch = timeline
            .first
            .map(|(s, _)| s.saturating_sub(1))
            .unwrap_or(ctx.membership.stream);
        Ok(json!({
            "timeline": { "events": timeline.events, "limited": timeline.limited, "prev_batch": super::make_token(prev_batch) },
            "state": { "events": state },
            "account_data": { "events": [] },
        }))
    }

    pub(crate) fn sync_timeline(
        &self,
        room_id: &RoomId,
        ctx: &RoomSync<'_>,
        since: Option<u64>,
        upto: u64,
    ) -> Result<Timeline> {
        let filter = &ctx.params.filter.room.timeline;
        let limit = filter
            .limit
            .unwrap_or(DEFAULT_TIMELINE_LIMIT)
            .clamp(1, 1000);
        let mut picked = Vec::new();
        let mut limited = false;
        for row in self.timeline_scan(room_id, upto, Direction::Backward)? {
            let (stream, event_id) = row?;
            if since.is_some_and(|s| stream <= s) {
                break;
            }
            if picked.len() >= limit {
                limited = true;
                break;
            }
            let Some((pdu, meta)) = self.visible_event(ctx.viewer.user, &event_id)? else {
                continue;
            };
            let ignored = pdu.state_key.is_none() && ctx.ignored.contains(pdu.sender.as_str());
            if filter.matches(&pdu) && !ignored {
                picked.push((pdu, meta));
            }
        }
        picked.reverse();
        let first = picked.first().map(|(_, m)| (m.stream, m.state_before));
        let mut events = Vec::with_capacity(picked.len());
        let mut senders = BTreeSet::new();
        for (pdu, meta) in &picked {
            senders.insert(pdu.sender.to_string());
            events.push(self.render_event(pdu, meta, ctx.viewer, false)?);
        }
        Ok(Timeline {
            events,
            first,
            limited,
            senders,
        })
    }

    /// State to send beside the timeline: the full state at the timeline's
    /// start for a new room, otherwise what changed in a gap the timeline skipped.
    fn sync_state(
        &self,
        room_id: &RoomId,
        ctx: &RoomSync<'_>,
        since: Option<u64>,
        timeline: &Timeline,
        initial: bool,
        upto: u64,
    ) -> Result<Vec<Value>> {
        let start_group = match timeline.first {
            Some((_, group)) => group,
            None => self.state_group_at_stream(room_id, upto)?.0,
        };
        let start = self.state_group(start_group)?;
        let changed: Vec<u64> = match (initial, since) {
            (false, Some(since)) if timeline.limited => {
                let before = self.state_group(self.state_group_at_stream(room_id, since)?.0)?;
                diff(&before, &start)
            }
            (false, _) => return Ok(vec![]),
            (true, _) => start.values().copied().collect(),
        };
        let filter = &ctx.params.filter.room.state;
        let lazy = filter.lazy_load_members;
        let mut out = Vec::new();
        for short_event in changed {
            let event_id = self.event_id_of(short_event)?;
            let Some(pdu) = self.pdu(&event_id)? else {
                continue;
            };
            let kind = pdu.kind.to_string();
            if !filter.matches(&pdu) {
                continue;
            }
            if lazy && kind == "m.room.member" {
                let key = pdu.state_key.as_deref().unwrap_or("");
                if key != ctx.viewer.user.as_str() && !timeline.senders.contains(key) {
                    continue;
                }
            }
            if let Some(meta) = self.event_meta(&event_id)? {
                out.push(self.render_event(&pdu, &meta, ctx.viewer, false)?);
            }
        }
        Ok(out)
    }

    fn sync_ephemeral(
        &self,
        room_id: &RoomId,
        ctx: &RoomSync<'_>,
        initial: bool,
    ) -> Result<Vec<Value>> {
        let since = if initial { 0 } else { ctx.since.unwrap_or(0) };
        let mut out = Vec::new();
        let (typing, changed) = self.typing_users(room_id.as_str());
        if changed > since || (initial && !typing.is_empty()) {
            out.push(json!({ "type": "m.typing", "content": { "user_ids": typing } }));
        }
        if let Some(receipts) = self.receipts_since(room_id.as_str(), ctx.viewer.user, since)? {
            out.push(receipts);
        }
        Ok(out)
    }

    /// Unread events that the user's push rules make notify (and highlight),
    /// see `sync/unread.rs`. With `unread_thread_notifications` in the
    /// timeline filter, `unread_notifications` covers the main timeline and
    /// `unread_thread_notifications` each thread with something unread;
    /// otherwise `unread_notifications` covers the whole room.
    fn unread_notifications(
        &self,
        room_id: &RoomId,
        ctx: &RoomSync<'_>,
    ) -> Result<(Value, Option<Value>)> {
        let counts = self.unread_counts(room_id, ctx.viewer.user, ctx.membership.stream)?;
        let shown = |(notify, highlight): (u64, u64)| json!({ "notification_count": notify, "highlight_count": highlight });
        if !ctx.params.filter.room.timeline.unread_thread_notifications {
            return Ok((shown((counts.notify, counts.highlight)), None));
        }
        let main = counts.threads.get(MAIN_THREAD).copied().unwrap_or_default();
        let threads: serde_json::Map<String, Value> = counts
            .threads
            .iter()
            .filter(|(thread, _)| *thread != MAIN_THREAD)
            .map(|(thread, &pair)| (thread.clone(), shown(pair)))
            .collect();
        let threads = (!threads.is_empty()).then_some(Value::Object(threads));
        Ok((shown(main), threads))
    }

    /// `summary`: heroes and member counts, for clients to name unnamed rooms.
    fn room_summary_counts(
        &self,
        room_id: &RoomId,
        user: &ruma::UserId,
        joined: &[String],
    ) -> Result<Value> {
        let invited = self.room_members(room_id, "invite")?;
        let heroes: Vec<&String> = crate::rooms::hero_ids(joined, &invited, user).collect();
        Ok(json!({
            "m.heroes": heroes,
            "m.joined_member_count": joined.len(),
            "m.invited_member_count": invited.len(),
        }))
    }
}

/// Short event IDs in `after` that differ from `before`.
fn diff(before: &ShortStateMap, after: &ShortStateMap) -> Vec<u64> {
    after
        .iter()
        .filter(|(key, event)| before.get(key) != Some(event))
        .map(|(_, event)| *event)
        .collect()
}
