//! Classic `/sync`: initial and incremental, long-polling on the global
//! stream. Tokens are `s<N>`: everything up to stream position N was
//! delivered. A response is built for the range (since, current]; when it
//! is empty the request waits for the stream to move, up to its timeout.

pub(crate) mod room;
mod unread;

pub use unread::{ReadMarkers, UnreadCache, UnreadCounts};

use std::{collections::BTreeSet, time::Duration};

use ruma::UserId;
use serde_json::{json, Map, Value};

use crate::{filters::SyncFilter, timeline::Viewer, Result, Services};

/// A parsed `/sync` request.
#[derive(Clone, Debug, Default)]
pub struct SyncParams {
    pub since: Option<u64>,
    pub full_state: bool,
    pub timeout: Duration,
    pub filter: SyncFilter,
    pub set_presence: Option<String>,
}

/// Parses a stream token (`s123`; plain numbers are accepted too).
pub fn parse_token(token: &str) -> Option<u64> {
    token.strip_prefix('s').unwrap_or(token).parse().ok()
}

pub fn make_token(position: u64) -> String {
    format!("s{position}")
}

impl Services {
    pub async fn sync(&self, user: &UserId, device: &str, params: SyncParams) -> Result<Value> {
        if params.set_presence.as_deref() != Some("offline") {
            let presence = params.set_presence.as_deref().unwrap_or("online");
            self.touch_presence(user, presence)?;
        }
        let mut changes = self.stream.subscribe();
        let deadline = tokio::time::Instant::now() + params.timeout.min(Duration::from_secs(300));
        loop {
            changes.borrow_and_update();
            let current = self.stream.current();
            let since = params.since.map(|s| s.min(current));
            let (response, has_content) = self.build_sync(user, device, since, current, &params)?;
            let may_wait =
                since.is_some() && !params.full_state && !has_content && !self.stream.is_closing();
            if !may_wait {
                return Ok(response);
            }
            // A typing notice that expires while we wait is a change too, but
            // nothing writes to the stream for it: wake up at the expiry.
            let wake = match self.next_typing_expiry(user)? {
                Some(expiry) => deadline.min(tokio::time::Instant::from_std(expiry)),
                None => deadline,
            };
            match tokio::time::timeout_at(wake, changes.changed()).await {
                Ok(Ok(())) => continue,
                Err(_) if wake < deadline => continue,
                _ => return Ok(response),
            }
        }
    }

    /// Marks a syncing user present unless they chose to be seen otherwise.
    pub(crate) fn touch_presence(&self, user: &UserId, presence: &str) -> Result<()> {
        let current = self.presence(user)?;
        let chosen_hidden = current.as_ref().is_some_and(|p| p.presence != "online");
        if presence == "online" && chosen_hidden {
            return Ok(()); // an explicit "unavailable"/"offline" stays until the user changes it
        }
        if current.as_ref().is_none_or(|p| p.presence != presence) {
            self.set_presence(user, presence, current.and_then(|p| p.status_msg))?;
        }
        Ok(())
    }

    fn build_sync(
        &self,
        user: &UserId,
        device: &str,
        since: Option<u64>,
        current: u64,
        params: &SyncParams,
    ) -> Result<(Value, bool)> {
        let viewer = Viewer {
            user,
            device: Some(device),
        };
        let mut join = Map::new();
        let mut invite = Map::new();
        let mut leave = Map::new();
        let mut knock = Map::new();
        let mut co_members = BTreeSet::new();
        let room_filter = &params.filter.room;
        let ignored = self.ignored_users(user)?;
        for (room, membership) in self.user_memberships(user)? {
            if !room_filter.includes_room(&room) || self.is_forgotten(user, &room)? {
                continue;
            }
            let changed = since.is_none_or(|s| membership.stream > s);
            match membership.membership.as_str() {
                "join" => {
                    let ctx = room::RoomSync {
                        room: &room,
                        viewer,
                        since,
                        current,
                        params,
                        membership: &membership,
                        ignored: &ignored,
                    };
                    if let Some(value) = self.joined_room_sync(&ctx, &mut co_members)? {
                        join.insert(room, value);
                    }
                }
                "invite"
                    if changed && !self.invited_by_ignored(&membership.event_id, &ignored)? =>
                {
                    invite.insert(room.clone(), json!({ "invite_state": { "events": self.stripped_state(&room, &membership.event_id)? } }));
                }
                "knock" if changed => {
                    knock.insert(room.clone(), json!({ "knock_state": { "events": self.stripped_state(&room, &membership.event_id)? } }));
                }
                "leave" | "ban" if changed && (since.is_some() || room_filter.include_leave) => {
                    let ctx = room::RoomSync {
                        room: &room,
                        viewer,
                        since,
                        current,
                        params,
                        membership: &membership,
                        ignored: &ignored,
                    };
                    let value = self.left_room_sync(&ctx)?;
                    leave.insert(room.clone(), value);
                }
                _ => {}
            }
        }
        let account_data = self.global_account_data_sync(user, since)?;
        let presence = self.presence_sync(user, since, &co_members)?;
        let e2ee = self.e2ee_sync(user, device, since, current)?;
        let nothing = join.is_empty()
            && invite.is_empty()
            && leave.is_empty()
            && knock.is_empty()
            && account_data.is_empty()
            && presence.is_empty();
        let has_content = !nothing || e2ee.has_news();
        let response = json!({
            "next_batch": make_token(current),
            "rooms": { "join": join, "invite": invite, "leave": leave, "knock": knock },
            "account_data": { "events": account_data },
            "presence": { "events": presence },
            "to_device": { "events": e2ee.to_device },
            "device_lists": { "changed": e2ee.device_lists_changed, "left": e2ee.device_lists_left },
            "device_one_time_keys_count": e2ee.one_time_keys_count,
            "device_unused_fallback_key_types": e2ee.unused_fallback_key_types,
        });
        Ok((response, has_content))
    }

    fn global_account_data_sync(&self, user: &UserId, since: Option<u64>) -> Result<Vec<Value>> {
        Ok(self
            .account_data_since(user, since.unwrap_or(0))?
            .into_iter()
            .filter(|(room, _, _)| room.is_empty())
            .map(|(_, kind, content)| json!({ "type": kind, "content": content }))
            .collect())
    }

    fn presence_sync(
        &self,
        user: &UserId,
        since: Option<u64>,
        co_members: &BTreeSet<String>,
    ) -> Result<Vec<Value>> {
        let mut events = Vec::new();
        for member in co_members {
            let Ok(member_id) = UserId::parse(member) else {
                continue;
            };
            let Some(record) = self.presence(&member_id)? else {
                continue;
            };
            if since.is_some_and(|s| record.stream <= s) {
                continue;
            }
            let _ = user;
            events.push(json!({ "type": "m.presence", "sender": member, "content": self.presence_content(&record) }));
        }
        Ok(events)
    }

    pub(crate) fn invited_by_ignored(
        &self,
        member_event: &str,
        ignored: &std::collections::HashSet<String>,
    ) -> Result<bool> {
        Ok(self
            .pdu(member_event)?
            .is_some_and(|p| ignored.contains(p.sender.as_str())))
    }

    /// Stripped state for an invite or knock: the room's key state plus the member event.
    pub(crate) fn stripped_state(&self, room: &str, member_event: &str) -> Result<Vec<Value>> {
        let Ok(room_id) = ruma::RoomId::parse(room) else {
            return Ok(vec![]);
        };
        if !self.room_exists(&room_id)? {
            return self.outside_stripped_state(&room_id, member_event);
        }
        let mut events = Vec::new();
        for kind in [
            "m.room.create",
            "m.room.join_rules",
            "m.room.name",
            "m.room.avatar",
            "m.room.canonical_alias",
            "m.room.encryption",
            "m.room.topic",
        ] {
            if let Some(pdu) = self.current_state_event(&room_id, kind, "")? {
                events.push(pdu.to_stripped_state());
            }
        }
        if let Some(pdu) = self.pdu(member_event)? {
            events.push(pdu.to_stripped_state());
            if let Some(inviter) =
                self.current_state_event(&room_id, "m.room.member", pdu.sender.as_str())?
            {
                events.push(inviter.to_stripped_state());
            }
        }
        Ok(events)
    }

    /// Stripped state of a room this server is not in: what the inviting
    /// server sent, then the invite itself.
    fn outside_stripped_state(
        &self,
        room_id: &ruma::RoomId,
        member_event: &str,
    ) -> Result<Vec<Value>> {
        let Some(pdu) = self.pdu(member_event)? else {
            return Ok(vec![]);
        };
        let user = pdu.state_key.clone().unwrap_or_default();
        let mut events = self
            .remote_invite_state(&user, room_id)?
            .unwrap_or_default();
        events.push(pdu.to_stripped_state());
        Ok(events)
    }
}
