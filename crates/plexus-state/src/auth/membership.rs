//! Rule 5: `m.room.member` events — joins, invites, leaves/kicks, bans and knocks.

use ruma::UserId;
use serde_json::{Map, Value};

use super::{third_party::check_third_party_invite, RoomContext};
use crate::{AuthError, Event};

fn reject<T>(why: impl Into<String>) -> Result<T, AuthError> {
    Err(AuthError::Membership(why.into()))
}

/// Rule 5 as a whole.
pub(crate) fn check_membership<E: Event>(
    room: &RoomContext<'_, E>,
    event: &E,
) -> Result<(), AuthError> {
    // 5.1: "If there is no state_key property, or no membership property in content, reject."
    let Some(target) = event.state_key() else {
        return reject("no state_key");
    };
    let parsed = room.cache.content(event);
    let content = parsed
        .as_ref()
        .as_ref()
        .map_err(|e| AuthError::Malformed(format!("m.room.member content: {e}")))?;
    let Some(membership) = content.get("membership").and_then(Value::as_str) else {
        return reject("no membership in content");
    };
    // Borrowed parsing validates the ID without copying it.
    let target = <&UserId>::try_from(target)
        .map_err(|e| AuthError::Membership(format!("state_key is not a user ID: {e}")))?;
    // 5.2 (v8+), the join_authorised_via_users_server signature, is checked by the caller,
    // which holds the signing keys.
    match membership {
        "join" => check_join(room, event, target, content),
        "invite" => check_invite(room, event, target, content),
        "leave" => check_leave(room, event, target),
        "ban" => check_ban(room, event, target),
        "knock" if room.rules.knocking => check_knock(room, event, target),
        // 5.8: "Otherwise, the membership is unknown. Reject."
        other => reject(format!("unknown membership {other:?}")),
    }
}

/// 5.3: `membership` is `join`.
fn check_join<E: Event>(
    room: &RoomContext<'_, E>,
    event: &E,
    target: &UserId,
    content: &Map<String, Value>,
) -> Result<(), AuthError> {
    // 5.3.1: "If the only previous event is an m.room.create and the state_key is the
    // creator, allow." (v12: the sender of the create event.)
    let mut prev_events = event.prev_events();
    let only_prev = match (prev_events.next(), prev_events.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    };
    if only_prev == Some(room.create.event_id()) && is_room_creator(room, target) {
        return Ok(());
    }
    // 5.3.2: "If the sender does not match state_key, reject."
    if event.sender() != target {
        return reject("sender does not match state_key for a join");
    }
    let current = room.membership(target.as_str());
    // 5.3.3: "If the sender is banned, reject."
    if current == "ban" {
        return reject("sender is banned");
    }
    let join_rule = room.join_rule();
    let rules = room.rules;
    let already_invited_or_joined = current == "invite" || current == "join";
    match &*join_rule {
        // 5.3.4: invite (and, from v7, knock) rooms need an invite or an existing join.
        "invite" => invited_or_joined(already_invited_or_joined),
        "knock" if rules.knocking => invited_or_joined(already_invited_or_joined),
        // 5.3.5: restricted (v8+) and knock_restricted (v10+) rooms.
        "restricted" if rules.restricted_join_rule => {
            check_restricted_join(room, already_invited_or_joined, content)
        }
        "knock_restricted" if rules.knock_restricted_join_rule => {
            check_restricted_join(room, already_invited_or_joined, content)
        }
        // 5.3.6: "If the join_rule is public, allow."
        "public" => Ok(()),
        // 5.3.7: "Otherwise, reject."
        other => reject(format!("join rule {other:?} does not allow joining")),
    }
}

/// The creator test of rule 5.3.1: the single pre-v11 `creator`, or the create event's
/// sender from v11 (additional v12 creators do not count, per the rule's wording).
fn is_room_creator<E: Event>(room: &RoomContext<'_, E>, user: &UserId) -> bool {
    if room.rules.use_room_create_sender {
        room.create.sender() == user
    } else {
        room.creators.contains(user)
    }
}

fn invited_or_joined(invited_or_joined: bool) -> Result<(), AuthError> {
    if invited_or_joined {
        Ok(())
    } else {
        reject("join rule requires an invite")
    }
}

/// 5.3.5: "If membership state is join or invite, allow. If the
/// join_authorised_via_users_server key in content is not a user with sufficient permission to
/// invite other users or is not a joined member of the room, reject. Otherwise, allow."
fn check_restricted_join<E: Event>(
    room: &RoomContext<'_, E>,
    already_invited_or_joined: bool,
    content: &Map<String, Value>,
) -> Result<(), AuthError> {
    if already_invited_or_joined {
        return Ok(());
    }
    let authoriser = content
        .get("join_authorised_via_users_server")
        .and_then(Value::as_str)
        .and_then(|user| UserId::parse(user).ok());
    let Some(authoriser) = authoriser else {
        return reject("restricted join without a valid join_authorised_via_users_server");
    };
    if room.membership(authoriser.as_str()) != "join" {
        return reject("join_authorised_via_users_server is not joined");
    }
    if !room.user_power(&authoriser).reaches(room.level("invite")) {
        return reject("join_authorised_via_users_server cannot invite");
    }
    Ok(())
}

/// 5.4: `membership` is `invite`.
fn check_invite<E: Event>(
    room: &RoomContext<'_, E>,
    event: &E,
    target: &UserId,
    content: &Map<String, Value>,
) -> Result<(), AuthError> {
    // 5.4.1: third-party invites are judged on their own.
    if let Some(third_party_invite) = content.get("third_party_invite") {
        return check_third_party_invite(room, event, target, third_party_invite);
    }
    // 5.4.2: "If the sender's current membership state is not join, reject."
    if room.membership(event.sender().as_str()) != "join" {
        return reject("inviter is not joined");
    }
    // 5.4.3: "If target user's current membership state is join or ban, reject."
    let target_membership = room.membership(target.as_str());
    if target_membership == "join" || target_membership == "ban" {
        return reject(format!("invitee's membership is {target_membership}"));
    }
    // 5.4.4: "If the sender's power level is greater than or equal to the invite level, allow."
    if room
        .user_power(event.sender())
        .reaches(room.level("invite"))
    {
        Ok(())
    } else {
        reject("inviter is below the invite level")
    }
}

/// 5.5: `membership` is `leave` (leaving, rejecting an invite, rescinding a knock, kicking,
/// unbanning).
fn check_leave<E: Event>(
    room: &RoomContext<'_, E>,
    event: &E,
    target: &UserId,
) -> Result<(), AuthError> {
    let sender = event.sender();
    // 5.5.1: "If the sender matches state_key, allow if and only if that user's current
    // membership state is invite, join, or knock (v7+)."
    if sender == target {
        let current = room.membership(target.as_str());
        let may_leave =
            matches!(&*current, "invite" | "join") || (room.rules.knocking && current == "knock");
        return if may_leave {
            Ok(())
        } else {
            reject(format!("cannot leave from {current}"))
        };
    }
    // 5.5.2: "If the sender's current membership state is not join, reject."
    if room.membership(sender.as_str()) != "join" {
        return reject("kicker is not joined");
    }
    let sender_power = room.user_power(sender);
    // 5.5.3: "If the target user's current membership state is ban, and the sender's power
    // level is less than the ban level, reject."
    if room.membership(target.as_str()) == "ban" && !sender_power.reaches(room.level("ban")) {
        return reject("unbanning needs the ban level");
    }
    // 5.5.4: "If the sender's power level is greater than or equal to the kick level, and the
    // target user's power level is less than the sender's power level, allow."
    if sender_power.reaches(room.level("kick")) && room.user_power(target) < sender_power {
        Ok(())
    } else {
        reject("kicking needs the kick level and more power than the target")
    }
}

/// 5.6: `membership` is `ban`.
fn check_ban<E: Event>(
    room: &RoomContext<'_, E>,
    event: &E,
    target: &UserId,
) -> Result<(), AuthError> {
    let sender = event.sender();
    // 5.6.1: "If the sender's current membership state is not join, reject."
    if room.membership(sender.as_str()) != "join" {
        return reject("banner is not joined");
    }
    // 5.6.2: "If the sender's power level is greater than or equal to the ban level, and the
    // target user's power level is less than the sender's power level, allow."
    let sender_power = room.user_power(sender);
    if sender_power.reaches(room.level("ban")) && room.user_power(target) < sender_power {
        Ok(())
    } else {
        reject("banning needs the ban level and more power than the target")
    }
}

/// 5.7 (v7+): `membership` is `knock`.
fn check_knock<E: Event>(
    room: &RoomContext<'_, E>,
    event: &E,
    target: &UserId,
) -> Result<(), AuthError> {
    // 5.7.1: "If the join_rule is anything other than knock or knock_restricted (v10+), reject."
    let join_rule = room.join_rule();
    let knockable = join_rule == "knock"
        || (room.rules.knock_restricted_join_rule && join_rule == "knock_restricted");
    if !knockable {
        return reject(format!(
            "cannot knock on a room with join rule {join_rule:?}"
        ));
    }
    // 5.7.2: "If sender does not match state_key, reject."
    if event.sender() != target {
        return reject("sender does not match state_key for a knock");
    }
    // 5.7.3: "If the sender's current membership is not ban, invite, or join, allow."
    match &*room.membership(target.as_str()) {
        "ban" | "invite" | "join" => reject("knocking user is banned, invited or joined"),
        _ => Ok(()),
    }
}
