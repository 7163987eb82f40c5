//! Parsing and validating `m.room.power_levels` content, and comparing power.
//!
//! Room versions 1–9 accept "stringy" numbers and versions 1–5 "floaty" ones for backwards
//! compatibility; from room version 10 every value must be a JSON integer
//! (`integer_power_levels`).

use std::collections::BTreeMap;

use ruma::{room_version_rules::AuthorizationRules, OwnedUserId, UserId};
use serde_json::{Map, Value};

use crate::AuthError;

/// Canonical JSON bounds every power level must respect (±(2^53 − 1)).
const MAX_SAFE_INT: i64 = (1 << 53) - 1;

/// A user's effective power level. Room creators in room version 12 and later are `Infinite`,
/// which orders above every integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UserPowerLevel {
    /// An ordinary integer power level.
    Int(i64),
    /// The "infinitely high" power of a room creator (room version 12+).
    Infinite,
}

impl UserPowerLevel {
    /// Whether this power reaches `level`.
    pub fn reaches(self, level: i64) -> bool {
        self >= UserPowerLevel::Int(level)
    }
}

/// The named integer properties of a power levels event.
pub(crate) const INT_FIELDS: [&str; 7] = [
    "users_default",
    "events_default",
    "state_default",
    "ban",
    "redact",
    "kick",
    "invite",
];

/// The parsed content of an `m.room.power_levels` event; `None` fields were absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PowerLevels {
    /// Explicit values of [`INT_FIELDS`], by name.
    pub fields: BTreeMap<&'static str, i64>,
    pub events: BTreeMap<String, i64>,
    pub notifications: BTreeMap<String, i64>,
    pub users: BTreeMap<OwnedUserId, i64>,
}

impl PowerLevels {
    /// Validates power levels content, already parsed as a JSON object (rules 10.1–10.3 of
    /// the authorization rules).
    pub fn from_content(
        rules: &AuthorizationRules,
        content: &Map<String, Value>,
    ) -> Result<Self, AuthError> {
        let malformed = |why: String| AuthError::PowerLevels(why);
        let mut levels = PowerLevels::default();
        for field in INT_FIELDS {
            if let Some(value) = content.get(field) {
                let level = parse_level(rules, value)
                    .ok_or_else(|| malformed(format!("`{field}` is not an integer")))?;
                levels.fields.insert(field, level);
            }
        }
        levels.events = parse_level_map(rules, content, "events")?;
        // Before v6 `notifications` played no part in authorization; tolerate anything there.
        if rules.limit_notifications_power_levels {
            levels.notifications = parse_level_map(rules, content, "notifications")?;
        }
        for (user, level) in parse_level_map(rules, content, "users")? {
            let user = UserId::parse(user.as_str())
                .map_err(|e| malformed(format!("`users` key {user:?} is not a user ID: {e}")))?;
            levels.users.insert(user, level);
        }
        Ok(levels)
    }

    /// The explicit value of a named integer field, or the spec default when absent.
    pub fn field_or_default(&self, field: &str) -> i64 {
        self.fields.get(field).copied().unwrap_or(match field {
            "ban" | "kick" | "redact" | "state_default" => 50,
            _ => 0,
        })
    }

    /// The level the `users` map or `users_default` gives `user`.
    pub fn user_level(&self, user: &UserId) -> i64 {
        self.users
            .get(user)
            .copied()
            .unwrap_or_else(|| self.field_or_default("users_default"))
    }

    /// The event type's *required power level*.
    pub fn required_level(&self, event_type: &str, is_state: bool) -> i64 {
        self.events.get(event_type).copied().unwrap_or_else(|| {
            self.field_or_default(if is_state {
                "state_default"
            } else {
                "events_default"
            })
        })
    }
}

/// Parses an optional object of levels; absent means empty.
fn parse_level_map(
    rules: &AuthorizationRules,
    content: &Map<String, Value>,
    field: &str,
) -> Result<BTreeMap<String, i64>, AuthError> {
    let Some(value) = content.get(field) else {
        return Ok(BTreeMap::new());
    };
    let object = value
        .as_object()
        .ok_or_else(|| AuthError::PowerLevels(format!("`{field}` is not an object")))?;
    object
        .iter()
        .map(|(key, value)| {
            let level = parse_level(rules, value).ok_or_else(|| {
                AuthError::PowerLevels(format!("`{field}.{key}` is not an integer"))
            })?;
            Ok((key.clone(), level))
        })
        .collect()
}

/// Parses one power level value according to the room version's number rules.
pub(crate) fn parse_level(rules: &AuthorizationRules, value: &Value) -> Option<i64> {
    let level = match value {
        Value::Number(number) => match number.as_i64() {
            Some(int) => int,
            // "Floaty" levels exist only while canonical JSON is not enforced (v1–v5); from
            // v6 a float cannot appear in a valid event at all.
            None if !rules.strict_canonical_json => truncate_float(number.as_f64()?)?,
            None => return None,
        },
        Value::String(text) if !rules.integer_power_levels => parse_stringy_level(text)?,
        _ => return None,
    };
    (-MAX_SAFE_INT..=MAX_SAFE_INT)
        .contains(&level)
        .then_some(level)
}

/// "Floaty" power levels: truncate at the decimal point; non-finite values are invalid.
fn truncate_float(float: f64) -> Option<i64> {
    (float.is_finite() && float.abs() <= MAX_SAFE_INT as f64).then(|| float.trunc() as i64)
}

/// "Stringy" power levels: optional surrounding whitespace, an optional sign, then base-10
/// digits (leading zeros allowed).
fn parse_stringy_level(text: &str) -> Option<i64> {
    let trimmed = text.trim();
    let digits = trimmed.strip_prefix(['+', '-']).unwrap_or(trimmed);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let magnitude: i64 = digits
        .trim_start_matches('0')
        .parse()
        .or_else(|_| {
            if digits.trim_start_matches('0').is_empty() {
                Ok(0)
            } else {
                Err(())
            }
        })
        .ok()?;
    Some(if trimmed.starts_with('-') {
        -magnitude
    } else {
        magnitude
    })
}
