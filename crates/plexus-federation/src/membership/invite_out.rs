//! Inviting a user of another server: their server must countersign the
//! invite (`/invite` v2) before we store and send it.

use std::sync::Arc;

use http::Method;
use plexus_core::Pdu;
use plexus_service::{events::rules_for, ServiceError};
use ruma::RoomVersionId;
use serde_json::{json, Value};

use super::{object_of, pdus_json};
use crate::{pdu::fetch::encode, Federation};

pub async fn invite(
    federation: &Federation,
    pdu: &Pdu,
    version: &RoomVersionId,
    invite_room_state: Vec<Value>,
) -> Result<Pdu, ServiceError> {
    let invitee = pdu
        .state_key
        .as_deref()
        .and_then(|key| ruma::UserId::parse(key).ok())
        .ok_or_else(|| ServiceError::BadJson("invite without a user".into()))?;
    let path = format!(
        "/_matrix/federation/v2/invite/{}/{}",
        encode(pdu.room_id.as_str()),
        encode(pdu.event_id.as_str())
    );
    let body = json!({
        "event": pdus_json([&Arc::new(pdu.clone())]).pop(),
        "room_version": version.as_str(),
        "invite_room_state": invite_room_state,
    });
    let answer = federation
        .client
        .send(
            invitee.server_name().as_str(),
            Method::PUT,
            &path,
            Some(&body),
        )
        .await
        .map_err(|e| ServiceError::Remote(format!("{}: {e}", invitee.server_name())))?;
    let rules = rules_for(version.as_str())?;
    let object = object_of(&answer["event"]).map_err(|e| ServiceError::Remote(e.to_string()))?;
    let signed = Pdu::from_federation(object, &rules)
        .map_err(|e| ServiceError::Remote(format!("bad invite answer: {e}")))?;
    if signed.event_id != pdu.event_id {
        return Err(ServiceError::Remote("the invite came back changed".into()));
    }
    check_countersigned(federation, &signed, invitee.server_name(), &rules).await?;
    Ok(signed)
}

/// The invitee's server signed the (redacted) event with a key we can verify.
async fn check_countersigned(
    federation: &Federation,
    signed: &Pdu,
    server: &ruma::ServerName,
    rules: &ruma::room_version_rules::RoomVersionRules,
) -> Result<(), ServiceError> {
    let refused = |why: String| ServiceError::Remote(format!("invite not countersigned: {why}"));
    let key_ids: std::collections::BTreeSet<String> = match signed
        .json
        .get("signatures")
        .and_then(|s| s.as_object())
        .and_then(|s| s.get(server.as_str()))
        .and_then(|s| s.as_object())
    {
        Some(by_key) => by_key
            .keys()
            .filter(|k| k.starts_with("ed25519:"))
            .cloned()
            .collect(),
        None => return Err(refused(format!("no signature of {server}"))),
    };
    let wanted = std::collections::BTreeMap::from([(server.to_string(), key_ids)]);
    let keys = federation
        .keys
        .public_key_map(&wanted, signed.origin_server_ts)
        .await;
    let redacted = plexus_state::redact(&rules.redaction, signed.json.clone())
        .map_err(|e| refused(e.to_string()))?;
    let mut only_theirs = redacted;
    if let Some(ruma::CanonicalJsonValue::Object(signatures)) = only_theirs.get_mut("signatures") {
        signatures.retain(|name, _| name == server.as_str());
    }
    ruma::signatures::verify_json(&keys, &only_theirs).map_err(|e| refused(e.to_string()))
}
