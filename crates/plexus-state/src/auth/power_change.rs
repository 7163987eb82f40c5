//! Rule 10: validating an `m.room.power_levels` event and the changes it makes.

use std::collections::BTreeMap;

use super::{
    power_levels::{PowerLevels, UserPowerLevel, INT_FIELDS},
    RoomContext,
};
use crate::{AuthError, Event};

fn reject<T>(why: impl Into<String>) -> Result<T, AuthError> {
    Err(AuthError::PowerLevels(why.into()))
}

/// Rule 10 as a whole. Rules 6–9 have already passed.
pub(crate) fn check_power_levels<E: Event>(
    room: &RoomContext<'_, E>,
    event: &E,
) -> Result<(), AuthError> {
    // 10.1–10.3: integer (or, before v10, stringy/floaty) values and valid user IDs.
    let new = room.cache.power_levels(room.rules, event)?;
    // 10.4 (v12): "If the users property in content contains the sender of the m.room.create
    // event or any of the additional_creators, reject."
    if room.rules.explicitly_privilege_room_creators {
        if let Some(creator) = room.creators.iter().find(|c| new.users.contains_key(*c)) {
            return reject(format!("room creator {creator} cannot appear in users"));
        }
    }
    // 10.5: "If there is no previous m.room.power_levels event in the room, allow."
    let Some(old) = &room.power_levels else {
        return Ok(());
    };
    let sender_power = room.user_power(event.sender());
    check_named_fields(old, &new, sender_power)?;
    check_level_map("events", &old.events, &new.events, sender_power)?;
    if room.rules.limit_notifications_power_levels {
        check_level_map(
            "notifications",
            &old.notifications,
            &new.notifications,
            sender_power,
        )?;
    }
    check_users(old, &new, event, sender_power)
}

/// 10.6: for `users_default` … `invite`, every alteration needs the sender to reach both the
/// old and the new value.
fn check_named_fields(
    old: &PowerLevels,
    new: &PowerLevels,
    sender_power: UserPowerLevel,
) -> Result<(), AuthError> {
    for field in INT_FIELDS {
        let (before, after) = (old.fields.get(field), new.fields.get(field));
        if before == after {
            continue;
        }
        if before.is_some_and(|&level| !sender_power.reaches(level)) {
            return reject(format!("current `{field}` is above the sender's level"));
        }
        if after.is_some_and(|&level| !sender_power.reaches(level)) {
            return reject(format!("new `{field}` is above the sender's level"));
        }
    }
    Ok(())
}

/// 10.7 and 10.8: entries of `events` (and, from v6, `notifications`) being changed or removed
/// need the old value reachable; entries being added or changed need the new value reachable.
fn check_level_map(
    name: &str,
    old: &BTreeMap<String, i64>,
    new: &BTreeMap<String, i64>,
    sender_power: UserPowerLevel,
) -> Result<(), AuthError> {
    for (key, &before) in old {
        if new.get(key) != Some(&before) && !sender_power.reaches(before) {
            return reject(format!(
                "current `{name}.{key}` is above the sender's level"
            ));
        }
    }
    for (key, &after) in new {
        if old.get(key) != Some(&after) && !sender_power.reaches(after) {
            return reject(format!("new `{name}.{key}` is above the sender's level"));
        }
    }
    Ok(())
}

/// 10.9 and 10.10: the `users` map.
fn check_users<E: Event>(
    old: &PowerLevels,
    new: &PowerLevels,
    event: &E,
    sender_power: UserPowerLevel,
) -> Result<(), AuthError> {
    // 10.9: "For each entry being changed in, or removed from, the users property, other than
    // the sender's own entry: if the current value is greater than or equal to the sender's
    // current power level, reject."
    for (user, &before) in &old.users {
        let changed = new.users.get(user) != Some(&before);
        if changed && user != event.sender() && UserPowerLevel::Int(before) >= sender_power {
            return reject(format!(
                "cannot change the level of {user}, who has at least yours"
            ));
        }
    }
    // 10.10: "For each entry being added to, or changed in, the users property: if the new
    // value is greater than the sender's current power level, reject."
    for (user, &after) in &new.users {
        if old.users.get(user) != Some(&after) && !sender_power.reaches(after) {
            return reject(format!("cannot give {user} more power than you have"));
        }
    }
    Ok(())
}
