//! Joining, leaving and inviting across servers, both ways.
//!
//! Inbound (we are the resident server): `make_join`/`make_leave` hand out
//! an event template built on our current state ([`make`]);
//! `send_join`/`send_leave` check the signed event like any PDU, append it
//! and forward it to the room's other servers ([`send`]); `/invite` lets a
//! remote room invite one of our users, whom we countersign for
//! ([`invite`]).
//!
//! Outbound (a local user acts in a room held elsewhere): [`join`] tries each
//! candidate server with `make_join`/`send_join` and stores the state it
//! answers; [`leave`] rejects remote invites; [`invite_out`] asks a user's
//! server to countersign our invite.

pub mod invite;
pub mod invite_out;
pub mod join;
pub mod knock;
pub mod leave;
pub mod make;
pub mod send;

use plexus_core::{pdu::PduTemplate, time::now_millis, Pdu};
use ruma::{
    room_version_rules::RoomVersionRules, CanonicalJsonObject, CanonicalJsonValue, OwnedEventId,
    RoomId, UserId,
};
use serde_json::Value;

use crate::{error::FederationError, pdu::PduRejection};

/// Room versions this server can join, for `make_join`'s `ver` parameters.
pub const SUPPORTED_VERSIONS: &[&str] = &[
    "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12",
];

/// A template as `make_*` hands it out: the event without hashes,
/// signatures or (v1/v2) event ID, which the other server fills in.
pub fn template_json(pdu: &Pdu) -> Value {
    let mut json = pdu.json.clone();
    for field in ["hashes", "signatures", "event_id", "unsigned"] {
        json.remove(field);
    }
    serde_json::to_value(CanonicalJsonValue::Object(json)).unwrap_or(Value::Null)
}

/// Our own membership event built from another server's template: its
/// prev/auth events and depth, our content, signed by us.
pub fn event_from_template(
    template: &Value,
    room_id: &RoomId,
    user: &UserId,
    mut content: Value,
    rules: &RoomVersionRules,
    key: &plexus_core::pdu::SigningKey,
) -> Result<Pdu, PduRejection> {
    let bad = |why: &str| PduRejection::Format(format!("template: {why}"));
    // The resident server may add fields our join needs (a restricted join's authoriser).
    if let Some(authoriser) = template["content"].get("join_authorised_via_users_server") {
        content["join_authorised_via_users_server"] = authoriser.clone();
    }
    let built = PduTemplate {
        room_id: Some(room_id.to_owned()),
        sender: user.to_owned(),
        kind: "m.room.member".into(),
        content,
        state_key: Some(user.to_string()),
        prev_events: event_refs(&template["prev_events"]).ok_or_else(|| bad("prev_events"))?,
        auth_events: event_refs(&template["auth_events"]).ok_or_else(|| bad("auth_events"))?,
        depth: template["depth"].as_u64().ok_or_else(|| bad("depth"))?,
        origin_server_ts: now_millis(),
    };
    built
        .sign(rules, key)
        .map_err(|e| PduRejection::Format(e.to_string()))
}

/// Event references in either form: IDs (v3+) or `[id, hashes]` pairs (v1, v2).
fn event_refs(value: &Value) -> Option<Vec<OwnedEventId>> {
    value
        .as_array()?
        .iter()
        .map(|entry| {
            let id = entry.as_str().or_else(|| entry.get(0)?.as_str())?;
            OwnedEventId::try_from(id).ok()
        })
        .collect()
}

/// The body of a `send_*`/`invite` request as a JSON object.
pub fn object_of(value: &Value) -> Result<CanonicalJsonObject, FederationError> {
    serde_json::from_value(value.clone())
        .map_err(|e| FederationError::BadJson(format!("not an event: {e}")))
}

/// PDUs as the JSON they are sent in.
pub fn pdus_json<'a>(pdus: impl IntoIterator<Item = &'a std::sync::Arc<Pdu>>) -> Vec<Value> {
    pdus.into_iter()
        .filter_map(|pdu| serde_json::to_value(CanonicalJsonValue::Object(pdu.json.clone())).ok())
        .collect()
}

impl From<PduRejection> for FederationError {
    fn from(rejection: PduRejection) -> Self {
        match rejection {
            PduRejection::Service(e) => FederationError::Service(e),
            PduRejection::Auth(why) => FederationError::Forbidden(why),
            PduRejection::NotFound(why) => FederationError::NotFound(why),
            PduRejection::UnknownRoom(room) => {
                FederationError::NotFound(format!("this server is not in {room}"))
            }
            other => FederationError::BadJson(other.to_string()),
        }
    }
}

/// Room state another server sent with an invite or a knock, in the
/// stripped form clients see (the entries may be full PDUs since spec 1.16).
pub fn stripped(entries: Vec<Value>) -> Vec<Value> {
    entries
        .into_iter()
        .filter(|entry| entry["type"].is_string())
        .map(|entry| {
            serde_json::json!({
                "type": entry["type"],
                "state_key": entry["state_key"],
                "content": entry["content"],
                "sender": entry["sender"],
            })
        })
        .collect()
}

/// `make_{kind}` on `server` (`join` and `knock` list every supported `ver`),
/// then our own event built from its template and signed.
pub(crate) async fn make_membership(
    federation: &crate::Federation,
    server: &ruma::ServerName,
    kind: &str,
    room_id: &RoomId,
    user: &UserId,
    content: Value,
) -> Result<(Pdu, ruma::RoomVersionId), PduRejection> {
    use crate::pdu::fetch::encode;
    let mut path = format!(
        "/_matrix/federation/v1/make_{kind}/{}/{}",
        encode(room_id.as_str()),
        encode(user.as_str())
    );
    if kind != "leave" {
        let versions: Vec<String> = SUPPORTED_VERSIONS
            .iter()
            .map(|v| format!("ver={v}"))
            .collect();
        path = format!("{path}?{}", versions.join("&"));
    }
    let answer = federation
        .client
        .send(server.as_str(), http::Method::GET, &path, None)
        .await
        .map_err(join::refusal)?;
    let version = answer["room_version"].as_str().unwrap_or("1");
    let version = ruma::RoomVersionId::try_from(version)
        .map_err(|e| PduRejection::Format(format!("room_version: {e}")))?;
    let rules = plexus_service::events::rules_for(version.as_str())?;
    let key = &federation.services.key;
    let pdu = event_from_template(&answer["event"], room_id, user, content, &rules, key)?;
    Ok((pdu, version))
}

/// `PUT /_matrix/federation/{endpoint}/{roomId}/{eventId}` with our signed
/// membership event (`endpoint` e.g. `v2/send_join`); the answer's body.
pub(crate) async fn send_membership(
    federation: &crate::Federation,
    server: &ruma::ServerName,
    endpoint: &str,
    pdu: &Pdu,
) -> Result<Value, PduRejection> {
    use crate::pdu::fetch::encode;
    let path = format!(
        "/_matrix/federation/{endpoint}/{}/{}",
        encode(pdu.room_id.as_str()),
        encode(pdu.event_id.as_str())
    );
    let body = serde_json::to_value(CanonicalJsonValue::Object(pdu.json.clone()))
        .map_err(|e| PduRejection::Format(e.to_string()))?;
    federation
        .client
        .send(server.as_str(), http::Method::PUT, &path, Some(&body))
        .await
        .map_err(join::refusal)
}
