//! The view of room state that the authorization rules read: creators, power levels,
//! memberships and join rules, all looked up through the caller's `fetch_state`.

use std::{borrow::Cow, collections::BTreeSet, rc::Rc};

use ruma::{events::StateEventType, room_version_rules::AuthorizationRules, OwnedUserId, UserId};

use super::{
    cache::ParseCache,
    power_levels::{PowerLevels, UserPowerLevel},
};
use crate::{AuthError, Event};

/// The room state an event is being authorized against.
pub(crate) struct RoomContext<'a, E> {
    pub rules: &'a AuthorizationRules,
    pub create: E,
    pub creators: Rc<BTreeSet<OwnedUserId>>,
    pub power_levels: Option<Rc<PowerLevels>>,
    /// Where every event content the rules read is parsed (once).
    pub cache: &'a ParseCache,
    fetch_state: &'a dyn Fn(&StateEventType, &str) -> Option<E>,
}

impl<'a, E: Event> RoomContext<'a, E> {
    /// Loads the create event, creators and power levels from the state.
    pub fn load(
        rules: &'a AuthorizationRules,
        fetch_state: &'a dyn Fn(&StateEventType, &str) -> Option<E>,
        cache: &'a ParseCache,
    ) -> Result<Self, AuthError> {
        let create =
            fetch_state(&StateEventType::RoomCreate, "").ok_or(AuthError::MissingCreate)?;
        let creators = cache.creators(rules, &create)?;
        let power_levels = fetch_state(&StateEventType::RoomPowerLevels, "")
            .map(|event| cache.power_levels(rules, &event))
            .transpose()?;
        Ok(Self {
            rules,
            create,
            creators,
            power_levels,
            cache,
            fetch_state,
        })
    }

    /// A state event by type and state key.
    pub fn state(&self, kind: &StateEventType, state_key: &str) -> Option<E> {
        (self.fetch_state)(kind, state_key)
    }

    /// A user's power level: infinite for v12 creators, else the power levels event's value,
    /// else (no power levels event) 100 for the creator and 0 for everyone else.
    pub fn user_power(&self, user: &UserId) -> UserPowerLevel {
        let is_creator = self.creators.contains(user);
        if is_creator && self.rules.explicitly_privilege_room_creators {
            return UserPowerLevel::Infinite;
        }
        match &self.power_levels {
            Some(levels) => UserPowerLevel::Int(levels.user_level(user)),
            None if is_creator => UserPowerLevel::Int(100),
            None => UserPowerLevel::Int(0),
        }
    }

    /// A named level (`invite`, `kick`, `ban`, `redact`) with its spec default.
    pub fn level(&self, field: &str) -> i64 {
        match &self.power_levels {
            Some(levels) => levels.field_or_default(field),
            None => PowerLevels::default().field_or_default(field),
        }
    }

    /// The event type's *required power level*. Without a power levels event the
    /// `m.room.power_levels` defaults still apply (`state_default` 50, `events_default` 0).
    pub fn required_level(&self, event_type: &str, is_state: bool) -> i64 {
        match &self.power_levels {
            Some(levels) => levels.required_level(event_type, is_state),
            None => PowerLevels::default().required_level(event_type, is_state),
        }
    }

    /// A user's current membership; `leave` when the state has no member event for them.
    pub fn membership(&self, user: &str) -> Cow<'static, str> {
        self.state(&StateEventType::RoomMember, user)
            .and_then(|event| self.cache.content_str(&event, "membership"))
            .unwrap_or(Cow::Borrowed("leave"))
    }

    /// The current join rule, or `""` when the room has no (readable) `m.room.join_rules`
    /// event. The authorization rules define no default: a join rule that is not `invite`,
    /// `knock`, `restricted`, `knock_restricted` or `public` falls through to "otherwise,
    /// reject" (rule 5.3.7), so without join rules nobody can join except the creator.
    pub fn join_rule(&self) -> Cow<'static, str> {
        self.state(&StateEventType::RoomJoinRules, "")
            .and_then(|event| self.cache.join_rule(&event))
            .unwrap_or_default()
    }
}
