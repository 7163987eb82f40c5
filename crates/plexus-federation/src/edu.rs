//! Inbound EDUs of a `/send` transaction: typing, read receipts, presence,
//! device-list and cross-signing key updates, and to-device messages. Each
//! names a user that must belong to the origin server; anything else (and any
//! unknown type) is ignored. An EDU never fails the transaction: problems
//! are logged and the EDU dropped.

use plexus_service::outbox::{RemoteReceipt, RemoteToDevice};
use ruma::{RoomId, ServerName, UserId};
use serde_json::Value;

use crate::Federation;

#[cfg(test)]
mod tests;

/// Applies one EDU `{edu_type, content}` sent by `origin`.
pub async fn apply_edu(federation: &Federation, origin: &ServerName, edu: &Value) {
    let content = &edu["content"];
    let services = &federation.services;
    let result = match edu["edu_type"].as_str().unwrap_or_default() {
        "m.typing" => typing(federation, origin, content),
        "m.receipt" => receipts(federation, origin, content),
        "m.presence" => presence(federation, origin, content),
        "m.device_list_update" | "m.signing_key_update" => {
            match user_of(origin, &content["user_id"]) {
                Some(user) => services.note_remote_device_change(&user),
                None => Ok(()),
            }
        }
        "m.direct_to_device" => to_device(federation, origin, content).await,
        _ => Ok(()),
    };
    if let Err(e) = result {
        tracing::warn!(%origin, edu_type = %edu["edu_type"], error = %e, "EDU not applied");
    }
}

/// The user ID in `value`, if it is one and belongs to `origin`.
fn user_of(origin: &ServerName, value: &Value) -> Option<ruma::OwnedUserId> {
    let user = UserId::parse(value.as_str()?).ok()?;
    (user.server_name() == origin).then_some(user)
}

type Applied = Result<(), plexus_service::ServiceError>;

/// Room EDUs obey the room's server ACL like its PDUs do.
fn acl_allows(federation: &Federation, room_id: &RoomId, origin: &ServerName) -> bool {
    crate::acl::check_server_acl(&federation.services, room_id, origin).is_ok()
}

fn typing(federation: &Federation, origin: &ServerName, content: &Value) -> Applied {
    let (Some(user), Some(room_id)) = (
        user_of(origin, &content["user_id"]),
        content["room_id"]
            .as_str()
            .and_then(|r| RoomId::parse(r).ok()),
    ) else {
        return Ok(());
    };
    if !acl_allows(federation, &room_id, origin) {
        return Ok(());
    }
    let typing = content["typing"].as_bool().unwrap_or(false);
    federation
        .services
        .apply_remote_typing(&room_id, &user, typing)
}

/// `{room: {"m.read": {user: {event_ids, data: {ts, thread_id?}}}}}`.
fn receipts(federation: &Federation, origin: &ServerName, content: &Value) -> Applied {
    for (room, kinds) in content.as_object().into_iter().flatten() {
        let Ok(room_id) = RoomId::parse(room) else {
            continue;
        };
        if !acl_allows(federation, &room_id, origin) {
            continue;
        }
        for (user, receipt) in kinds["m.read"].as_object().into_iter().flatten() {
            let Some(user) = user_of(origin, &Value::from(user.as_str())) else {
                continue;
            };
            let data = &receipt["data"];
            let ts = data["ts"]
                .as_u64()
                .unwrap_or_else(plexus_core::time::now_millis);
            for event_id in receipt["event_ids"].as_array().into_iter().flatten() {
                let Some(event_id) = event_id.as_str() else {
                    continue;
                };
                federation.services.apply_remote_receipt(RemoteReceipt {
                    room_id: &room_id,
                    user: &user,
                    event_id,
                    ts,
                    thread_id: data["thread_id"].as_str(),
                })?;
            }
        }
    }
    Ok(())
}

/// `{push: [{user_id, presence, status_msg?, last_active_ago, currently_active}]}`.
fn presence(federation: &Federation, origin: &ServerName, content: &Value) -> Applied {
    for update in content["push"].as_array().into_iter().flatten() {
        if let Some(user) = user_of(origin, &update["user_id"]) {
            federation.services.apply_remote_presence(&user, update)?;
        }
    }
    Ok(())
}

/// `{sender, type, message_id, messages: {user: {device | "*": content}}}`.
async fn to_device(federation: &Federation, origin: &ServerName, content: &Value) -> Applied {
    let (Some(sender), Some(event_type), Some(message_id)) = (
        user_of(origin, &content["sender"]),
        content["type"].as_str(),
        content["message_id"].as_str(),
    ) else {
        return Ok(());
    };
    let message = RemoteToDevice {
        origin,
        sender: &sender,
        event_type,
        message_id,
        messages: &content["messages"],
    };
    federation.services.deliver_remote_to_device(message).await
}
