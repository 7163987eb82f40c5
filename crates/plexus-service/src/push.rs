//! Push rules, pushers and notification evaluation.
//!
//! A user's rules are the spec's server-default ruleset until they edit it;
//! the edited ruleset is stored as global account data `m.push_rules`
//! (`{"global": Ruleset}`), so it also reaches clients through `/sync`.
//! Notification counts and `/notifications` evaluate these rules per event.
//!
//! Pushers are stored here; `gateway.rs` delivers notifications to their
//! push gateways.

pub mod gateway;

use std::{
    collections::BTreeMap,
    future::Future,
    task::{Context, Poll, Waker},
};

use plexus_core::Pdu;
use plexus_storage::{Direction, Json};
use ruma::{
    api::client::push::PushRule,
    push::{
        Action, InsertPushRuleError, NewPushRule, PushConditionPowerLevelsCtx,
        PushConditionRoomCtx, RemovePushRuleError, RuleKind, Ruleset,
    },
    room_version_rules::RoomPowerLevelsRules,
    serde::Raw,
    Int, RoomId, UInt, UserId,
};
use serde_json::{json, Value};

use crate::{tables::Pushers, Result, ServiceError, Services};

/// The path every push gateway URL must have (Push Gateway API).
const GATEWAY_PATH: &str = "/_matrix/push/v1/notify";

/// An HTTP pusher's `data.url`: an http(s) URL whose path is [`GATEWAY_PATH`].
fn check_gateway_url(url: &Value) -> Result<()> {
    let invalid = || {
        ServiceError::invalid(format!(
            "data.url must be an http(s) URL ending in {GATEWAY_PATH}"
        ))
    };
    let url = url.as_str().ok_or_else(invalid)?;
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(invalid)?;
    let path = rest.find('/').map(|at| &rest[at..]).ok_or_else(invalid)?;
    match path == GATEWAY_PATH {
        true => Ok(()),
        false => Err(invalid()),
    }
}

/// Events scanned per room for `/notifications`.
pub const MAX_PUSH_SCAN: usize = 1000;

/// One entry of `/notifications`.
#[derive(Debug, Clone)]
pub struct NotificationItem {
    pub actions: Vec<Action>,
    pub event: Value,
    pub read: bool,
    pub room_id: String,
    pub ts: u64,
    /// Stream position of the event, the basis of `next_token`.
    pub stream: u64,
}

impl Services {
    /// The user's ruleset: the stored one, else the server defaults.
    pub fn push_ruleset(&self, user: &UserId) -> Result<Ruleset> {
        Ok(self
            .account_data(user, None, "m.push_rules")
            .ok()
            .and_then(|content| serde_json::from_value::<Ruleset>(content["global"].clone()).ok())
            .unwrap_or_else(|| Ruleset::server_default(user)))
    }

    /// Loads, changes and stores the ruleset under the user row lock.
    fn edit_ruleset(
        &self,
        user: &UserId,
        edit: impl FnOnce(&mut Ruleset) -> Result<()>,
    ) -> Result<()> {
        let _guard = self.user_row_lock.lock().expect("user row lock poisoned");
        let mut ruleset = self.push_ruleset(user)?;
        edit(&mut ruleset)?;
        let content =
            json!({ "global": serde_json::to_value(&ruleset).map_err(ServiceError::internal)? });
        self.set_global_account_data(user, "m.push_rules", content)?;
        // Counts kept for this user were computed with the old rules.
        self.unread_cache.forget_user(user.as_str());
        Ok(())
    }

    /// One rule, 404 when the user has no such rule.
    pub fn push_rule(&self, user: &UserId, kind: RuleKind, rule_id: &str) -> Result<PushRule> {
        self.push_ruleset(user)?
            .get(kind, rule_id)
            .map(|rule| rule.to_owned().into())
            .ok_or_else(|| ServiceError::not_found("no such push rule"))
    }

    /// Adds or replaces a user-defined rule, placed by `before`/`after`.
    pub fn set_push_rule(
        &self,
        user: &UserId,
        rule: NewPushRule,
        before: Option<&str>,
        after: Option<&str>,
    ) -> Result<()> {
        self.edit_ruleset(user, |ruleset| {
            // Per the spec every placement problem (unknown `before`/`after`,
            // a server-default neighbour or rule ID) is a 400.
            ruleset
                .insert(rule, after, before)
                .map_err(|e: InsertPushRuleError| ServiceError::invalid(e.to_string()))
        })
    }

    pub fn set_push_rule_enabled(
        &self,
        user: &UserId,
        kind: RuleKind,
        rule_id: &str,
        enabled: bool,
    ) -> Result<()> {
        self.edit_ruleset(user, |ruleset| {
            ruleset
                .set_enabled(kind, rule_id, enabled)
                .map_err(|_| ServiceError::not_found("no such push rule"))
        })
    }

    pub fn set_push_rule_actions(
        &self,
        user: &UserId,
        kind: RuleKind,
        rule_id: &str,
        actions: Vec<Action>,
    ) -> Result<()> {
        self.edit_ruleset(user, |ruleset| {
            ruleset
                .set_actions(kind, rule_id, actions)
                .map_err(|_| ServiceError::not_found("no such push rule"))
        })
    }

    /// Deletes a user-defined rule; server-default rules cannot be deleted.
    pub fn delete_push_rule(&self, user: &UserId, kind: RuleKind, rule_id: &str) -> Result<()> {
        self.edit_ruleset(user, |ruleset| {
            ruleset.remove(kind, rule_id).map_err(|e| match e {
                RemovePushRuleError::ServerDefault => {
                    ServiceError::invalid("server-default rules cannot be deleted")
                }
                _ => ServiceError::not_found("no such push rule"),
            })
        })
    }

    /// Creates or replaces a pusher (keyed by app ID and pushkey). Unless
    /// `append`, the same pusher of other users is removed, per the spec.
    pub fn set_pusher(&self, user: &UserId, pusher: Value, append: bool) -> Result<()> {
        let app_id = pusher["app_id"]
            .as_str()
            .ok_or_else(|| ServiceError::BadJson("app_id".into()))?
            .to_owned();
        let pushkey = pusher["pushkey"]
            .as_str()
            .ok_or_else(|| ServiceError::BadJson("pushkey".into()))?
            .to_owned();
        if pusher["kind"] == "http" {
            check_gateway_url(&pusher["data"]["url"])?;
        }
        let mut pusher = pusher;
        // The devices of a push carry when their pushkey was set (seconds).
        pusher["pushkey_ts"] = json!(plexus_core::time::now_millis() / 1000);
        let mut batch = self.db.batch();
        if !append {
            for row in self.db.scan::<Pushers, _>(&(), Direction::Forward)? {
                let ((owner, a, k), _) = row?;
                if owner != user.as_str() && a == app_id && k == pushkey {
                    batch.delete::<Pushers>(&(owner, a, k))?;
                }
            }
        }
        batch.put::<Pushers>(&(user.to_string(), app_id, pushkey), &Json(pusher))?;
        Ok(self.db.write(batch)?)
    }

    /// Removes a pusher; removing an unknown one is not an error.
    pub fn delete_pusher(&self, user: &UserId, app_id: &str, pushkey: &str) -> Result<()> {
        let mut batch = self.db.batch();
        batch.delete::<Pushers>(&(user.to_string(), app_id.to_owned(), pushkey.to_owned()))?;
        Ok(self.db.write(batch)?)
    }

    /// The user's pushers, as stored (the `Pusher` JSON of `/pushers/set`).
    pub fn pushers(&self, user: &UserId) -> Result<Vec<Value>> {
        self.db
            .scan::<Pushers, _>(&(user.to_string(),), Direction::Forward)?
            .map(|row| row.map(|(_, Json(p))| p).map_err(Into::into))
            .collect()
    }

    /// The context push conditions are evaluated in, for `user` in a room.
    pub fn push_context(&self, room_id: &RoomId, user: &UserId) -> Result<PushConditionRoomCtx> {
        let members = self.room_members(room_id, "join")?.len();
        let display_name = self
            .current_state_event(room_id, "m.room.member", user.as_str())?
            .and_then(|m| m.content_str("displayname"))
            .unwrap_or_else(|| user.localpart().to_owned());
        let ctx = PushConditionRoomCtx::new(
            room_id.to_owned(),
            UInt::try_from(members as u64).unwrap_or(UInt::MAX),
            user.to_owned(),
            display_name,
        );
        Ok(match self.push_power_levels(room_id)? {
            Some(levels) => ctx.with_power_levels(levels),
            None => ctx,
        })
    }

    /// The power levels part of the push context, from the room's current state.
    fn push_power_levels(&self, room_id: &RoomId) -> Result<Option<PushConditionPowerLevelsCtx>> {
        let Some(room) = self.room_record(room_id)? else {
            return Ok(None);
        };
        let rules = crate::events::rules_for(&room.version)?;
        let creators: Vec<_> = self
            .current_state_event(room_id, "m.room.create", "")?
            .map(|c| c.sender.clone())
            .into_iter()
            .collect();
        let content = self
            .current_state_event(room_id, "m.room.power_levels", "")?
            .map(|p| p.content_value())
            .unwrap_or_else(|| json!({}));
        let users: BTreeMap<_, Int> = content["users"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(u, l)| Some((UserId::parse(u).ok()?, level(l)?)))
            .collect();
        let users_default = level(&content["users_default"]).unwrap_or_default();
        let mut notifications = ruma::power_levels::NotificationPowerLevels::new();
        if let Some(room_level) = level(&content["notifications"]["room"]) {
            notifications.room = room_level;
        }
        let pl_rules = RoomPowerLevelsRules::new(&rules.authorization, creators);
        Ok(Some(PushConditionPowerLevelsCtx::new(
            users,
            users_default,
            notifications,
            pl_rules,
        )))
    }

    /// The actions the ruleset gives an event (empty: no notification).
    pub fn push_actions(
        &self,
        ruleset: &Ruleset,
        ctx: &PushConditionRoomCtx,
        pdu: &Pdu,
    ) -> Result<Vec<Action>> {
        let raw: Raw<Value> =
            Raw::new(&pdu.to_client_event(true, None)).map_err(ServiceError::internal)?;
        Ok(ready(ruleset.get_actions(&raw, ctx)).to_vec())
    }

    /// (notifications, highlights) among the first `max_scan` events of the
    /// room after stream position `read`.
    pub fn notification_counts(
        &self,
        room_id: &RoomId,
        user: &UserId,
        read: u64,
        max_scan: usize,
    ) -> Result<(u64, u64)> {
        self.notification_counts_between(room_id, user, read, u64::MAX, max_scan)
    }

    /// Like [`Services::notification_counts`] for events with a stream
    /// position in (`after`, `upto`], so counts can be extended incrementally.
    pub fn notification_counts_between(
        &self,
        room_id: &RoomId,
        user: &UserId,
        after: u64,
        upto: u64,
        max_scan: usize,
    ) -> Result<(u64, u64)> {
        let ruleset = self.push_ruleset(user)?;
        let ctx = self.push_context(room_id, user)?;
        let (mut notify, mut highlight) = (0, 0);
        for row in self
            .timeline_scan(room_id, after, Direction::Forward)?
            .take(max_scan)
        {
            let (stream, event_id) = row?;
            if stream > upto {
                break;
            }
            let Some((pdu, _)) = self.visible_event(user, &event_id)? else {
                continue;
            };
            let actions = self.push_actions(&ruleset, &ctx, &pdu)?;
            if actions.iter().any(Action::should_notify) {
                notify += 1;
                highlight += u64::from(actions.iter().any(Action::is_highlight));
            }
        }
        Ok((notify, highlight))
    }

    /// `/notifications`: notified events of the user's joined rooms, newest
    /// first, older than stream position `from`, at most `limit`.
    pub fn notifications(
        &self,
        user: &UserId,
        from: Option<u64>,
        limit: usize,
        only_highlight: bool,
    ) -> Result<Vec<NotificationItem>> {
        let ruleset = self.push_ruleset(user)?;
        let mut out = Vec::new();
        for room in self.joined_rooms(user)? {
            let room_id = RoomId::parse(&room).map_err(ServiceError::internal)?;
            out.extend(self.room_notifications(&room_id, user, &ruleset, from, only_highlight)?);
        }
        out.sort_by_key(|n| std::cmp::Reverse(n.stream));
        out.truncate(limit);
        Ok(out)
    }

    fn room_notifications(
        &self,
        room_id: &RoomId,
        user: &UserId,
        ruleset: &Ruleset,
        from: Option<u64>,
        only_highlight: bool,
    ) -> Result<Vec<NotificationItem>> {
        let ctx = self.push_context(room_id, user)?;
        let read = self.own_read_position(room_id.as_str(), user)?.unwrap_or(0);
        let start = from.map_or(u64::MAX, |f| f.saturating_sub(1));
        let mut out = Vec::new();
        for row in self
            .timeline_scan(room_id, start, Direction::Backward)?
            .take(MAX_PUSH_SCAN)
        {
            let (stream, event_id) = row?;
            let Some((pdu, _)) = self.visible_event(user, &event_id)? else {
                continue;
            };
            let actions = self.push_actions(ruleset, &ctx, &pdu)?;
            let wanted = if only_highlight {
                actions.iter().any(Action::is_highlight)
            } else {
                actions.iter().any(Action::should_notify)
            };
            if wanted {
                out.push(NotificationItem {
                    event: pdu.to_client_event(false, None),
                    read: stream <= read,
                    room_id: room_id.to_string(),
                    ts: pdu.origin_server_ts,
                    stream,
                    actions,
                });
            }
        }
        Ok(out)
    }
}

/// A power level from JSON (number or numeric string).
fn level(value: &Value) -> Option<Int> {
    match value {
        Value::Number(n) => n.as_i64().and_then(|n| Int::try_from(n).ok()),
        Value::String(s) => s.parse::<i64>().ok().and_then(|n| Int::try_from(n).ok()),
        _ => None,
    }
}

/// Runs a future that cannot wait: ruma's rule evaluation is `async` only
/// for MSC4306 thread subscriptions, which Plexus does not enable, so it
/// completes on its first poll.
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => unreachable!("push rule evaluation awaited without thread subscriptions"),
    }
}

#[cfg(test)]
mod tests;
