//! Power-level questions the client API must answer beyond the auth rules:
//! the auth rules let any user of the target's server redact it, but the
//! client-server API only lets senders redact their own events unless they
//! hold the room's `redact` level.

use ruma::{RoomId, UserId};
use serde_json::Value;

use crate::{Result, Services};

/// `redact` when the power levels do not say.
const DEFAULT_REDACT_LEVEL: i64 = 50;

impl Services {
    /// Whether `user` may redact events sent by others in the room's current state.
    pub fn user_can_redact_others(&self, room_id: &RoomId, user: &UserId) -> Result<bool> {
        self.user_meets_level(room_id, user, "redact", DEFAULT_REDACT_LEVEL)
    }

    /// Whether `user` may invite (the level a restricted-join authoriser needs).
    pub fn user_can_invite(&self, room_id: &RoomId, user: &UserId) -> Result<bool> {
        self.user_meets_level(room_id, user, "invite", 0)
    }

    /// Whether `user` holds the level named `action` (`redact`, `invite`, …)
    /// in the room's current power levels, `default` when they do not say.
    fn user_meets_level(
        &self,
        room_id: &RoomId,
        user: &UserId,
        action: &str,
        default: i64,
    ) -> Result<bool> {
        if self.is_room_creator(room_id, user)? && self.creators_privileged(room_id)? {
            return Ok(true);
        }
        let Some(power_levels) = self.current_state_event(room_id, "m.room.power_levels", "")?
        else {
            // Without power levels the creator has 100 and everyone else 0.
            return self.is_room_creator(room_id, user);
        };
        let content = power_levels.content_value();
        let needed = as_level(content.get(action)).unwrap_or(default);
        Ok(user_level(&content, user) >= needed)
    }
}

/// The level of `user` in a power-levels content (`users_default`, else 0).
fn user_level(content: &Value, user: &UserId) -> i64 {
    as_level(
        content
            .get("users")
            .and_then(|users| users.get(user.as_str())),
    )
    .or_else(|| as_level(content.get("users_default")))
    .unwrap_or(0)
}

/// Power levels are integers; old room versions also allowed numeric strings.
fn as_level(value: Option<&Value>) -> Option<i64> {
    value.and_then(|v| v.as_i64().or_else(|| v.as_str()?.trim().parse().ok()))
}
