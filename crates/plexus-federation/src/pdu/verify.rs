//! Steps 1–3 of the checks on receipt of a PDU: the JSON is a well-formed
//! PDU of the room version, the servers that must sign it did, and its
//! content hash matches — an event whose hash does not match is kept in
//! its redacted form, as the spec requires.

use std::collections::{BTreeMap, BTreeSet};

use plexus_core::Pdu;
use ruma::{
    room_version_rules::RoomVersionRules,
    signatures::{required_server_signatures_to_verify_event, verify_event, Verified},
    CanonicalJsonObject, CanonicalJsonValue,
};

use super::PduRejection;
use crate::Federation;

/// The largest PDU, in bytes of canonical JSON (spec "Size limits").
const MAX_PDU_BYTES: usize = 65_536;

/// Parses and verifies a PDU; returns it redacted if its hash did not match.
pub async fn verify_pdu(
    federation: &Federation,
    mut json: CanonicalJsonObject,
    rules: &RoomVersionRules,
) -> Result<Pdu, PduRejection> {
    // `unsigned` is not covered by the signatures; senders may put anything there.
    json.remove("unsigned");
    let size = CanonicalJsonValue::Object(json.clone()).to_string().len();
    if size > MAX_PDU_BYTES {
        return Err(PduRejection::Format(
            "PDU is larger than 65536 bytes".into(),
        ));
    }
    let pdu = Pdu::from_federation(json.clone(), rules)
        .map_err(|e| PduRejection::Format(e.to_string()))?;
    check_field_sizes(&pdu)?;
    let keys = federation
        .keys
        .public_key_map(&wanted_keys(&json, rules)?, pdu.origin_server_ts)
        .await;
    match verify_event(&keys, &json, rules) {
        Ok(Verified::All) => Ok(pdu),
        Ok(Verified::Signatures) => redacted(pdu, rules),
        Err(e) => Err(PduRejection::Signature(e.to_string())),
    }
}

/// The redacted form of an event whose content hash did not match.
fn redacted(pdu: Pdu, rules: &RoomVersionRules) -> Result<Pdu, PduRejection> {
    tracing::info!(event_id = %pdu.event_id, "content hash mismatch: keeping the event redacted");
    let json = plexus_state::redact(&rules.redaction, pdu.json)
        .map_err(|e| PduRejection::Format(e.to_string()))?;
    Pdu::from_json(pdu.event_id, json).map_err(|e| PduRejection::Format(e.to_string()))
}

/// The key IDs of the servers whose signatures count, as named in the event.
fn wanted_keys(
    json: &CanonicalJsonObject,
    rules: &RoomVersionRules,
) -> Result<BTreeMap<String, BTreeSet<String>>, PduRejection> {
    let servers = required_server_signatures_to_verify_event(json, &rules.signatures)
        .map_err(|e| PduRejection::Signature(e.to_string()))?;
    let Some(CanonicalJsonValue::Object(signatures)) = json.get("signatures") else {
        return Err(PduRejection::Signature("no signatures".into()));
    };
    let mut wanted = BTreeMap::new();
    for server in servers {
        let Some(CanonicalJsonValue::Object(by_key)) = signatures.get(server.as_str()) else {
            return Err(PduRejection::Signature(format!("not signed by {server}")));
        };
        let ids: BTreeSet<String> = by_key
            .keys()
            .filter(|id| id.starts_with("ed25519:"))
            .take(8)
            .cloned()
            .collect();
        wanted.insert(server.to_string(), ids);
    }
    Ok(wanted)
}

/// Spec "Size limits": identifiers and types are at most 255 bytes.
fn check_field_sizes(pdu: &Pdu) -> Result<(), PduRejection> {
    let too_long = pdu.sender.as_str().len() > 255
        || pdu.room_id.as_str().len() > 255
        || pdu.event_id.as_str().len() > 255
        || pdu.kind.to_string().len() > 255
        || pdu.state_key.as_ref().is_some_and(|k| k.len() > 255);
    if too_long {
        return Err(PduRejection::Format(
            "a field is longer than 255 bytes".into(),
        ));
    }
    Ok(())
}
