//! Building new local events: fill in the federation fields, hash, sign and
//! derive the event ID the room version asks for.

use ruma::{
    room_version_rules::{EventIdFormatVersion, RoomVersionRules},
    serde::Base64,
    signatures::Ed25519KeyPair,
    CanonicalJsonObject, CanonicalJsonValue, OwnedEventId, OwnedRoomId, OwnedServerName,
    OwnedUserId,
};

use super::{reference_event_id, to_event_id, Pdu, PduError, TimelineEventType};

/// The server's ed25519 signing key and the name it signs for.
pub struct SigningKey {
    pub server_name: OwnedServerName,
    pub key_pair: Ed25519KeyPair,
}

impl SigningKey {
    /// A new PKCS#8 document holding a fresh key, to be stored in the data dir.
    pub fn generate_pkcs8() -> Vec<u8> {
        Ed25519KeyPair::generate().to_vec()
    }

    /// Loads a key stored by [`SigningKey::generate_pkcs8`].
    pub fn from_pkcs8(
        server_name: OwnedServerName,
        document: &[u8],
        version: &str,
    ) -> Result<Self, String> {
        let key_pair =
            Ed25519KeyPair::from_der(document, version.to_owned()).map_err(|e| e.to_string())?;
        Ok(SigningKey {
            server_name,
            key_pair,
        })
    }

    /// `ed25519:<version>`, the key ID in signatures and key responses.
    pub fn key_id(&self) -> String {
        format!("ed25519:{}", self.key_pair.version())
    }

    /// Adds this server's signature to an event another server built (an
    /// invite we accept, a restricted join we authorise), leaving its hash
    /// and the other signatures as they are.
    pub fn countersign(&self, pdu: &Pdu, rules: &RoomVersionRules) -> Result<Pdu, PduError> {
        let mut json = pdu.json.clone();
        ruma::signatures::sign_event(
            self.server_name.as_str(),
            &self.key_pair,
            &mut json,
            &rules.redaction,
        )
        .map_err(|e| PduError::Json(e.to_string()))?;
        Pdu::from_json(pdu.event_id.clone(), json)
    }

    /// The public key in unpadded standard base64, as `/_matrix/key/v2/server` gives it.
    pub fn public_key_base64(&self) -> String {
        Base64::<ruma::serde::base64::Standard, _>::new(self.key_pair.public_key().to_vec())
            .encode()
    }
}

/// The fields of a new event before the server fills in hashes and signatures.
#[derive(Clone, Debug)]
pub struct PduTemplate {
    /// `None` only for the `m.room.create` of a v12 room.
    pub room_id: Option<OwnedRoomId>,
    pub sender: OwnedUserId,
    pub kind: TimelineEventType,
    pub content: serde_json::Value,
    pub state_key: Option<String>,
    pub prev_events: Vec<OwnedEventId>,
    pub auth_events: Vec<OwnedEventId>,
    pub depth: u64,
    pub origin_server_ts: u64,
}

impl PduTemplate {
    /// Hashes and signs the event and computes its ID.
    pub fn sign(self, rules: &RoomVersionRules, key: &SigningKey) -> Result<Pdu, PduError> {
        let v1_ids = rules.event_id_format == EventIdFormatVersion::V1;
        let mut json = self.to_object(v1_ids, key)?;
        ruma::signatures::hash_and_sign_event(
            key.server_name.as_str(),
            &key.key_pair,
            &mut json,
            &rules.redaction,
        )
        .map_err(|e| match e {
            ruma::signatures::JsonError::PduTooLarge => PduError::TooLarge,
            other => PduError::Json(other.to_string()),
        })?;
        let event_id = if v1_ids {
            super::parse_id(&json, "event_id")?
        } else {
            reference_event_id(&json, rules)?
        };
        if CanonicalJsonValue::Object(json.clone()).to_string().len() > 65_536 {
            return Err(PduError::TooLarge);
        }
        Pdu::from_json(event_id, json)
    }

    fn to_object(&self, v1_ids: bool, key: &SigningKey) -> Result<CanonicalJsonObject, PduError> {
        let mut json = CanonicalJsonObject::new();
        let string = |s: &str| CanonicalJsonValue::String(s.to_owned());
        if let Some(room_id) = &self.room_id {
            json.insert("room_id".into(), string(room_id.as_str()));
        }
        json.insert("sender".into(), string(self.sender.as_str()));
        json.insert("type".into(), string(&self.kind.to_string()));
        if let Some(state_key) = &self.state_key {
            json.insert("state_key".into(), string(state_key));
        }
        json.insert("content".into(), to_canonical(&self.content)?);
        if let Some(redacts) = self.content.get("redacts").and_then(|r| r.as_str()) {
            // Kept at the top level too: v1–v10 read it there, and v11+ tolerate it.
            json.insert("redacts".into(), string(redacts));
        }
        json.insert("origin_server_ts".into(), int(self.origin_server_ts));
        json.insert("depth".into(), int(self.depth));
        json.insert("origin".into(), string(key.server_name.as_str()));
        json.insert("prev_events".into(), refs(&self.prev_events, v1_ids));
        json.insert("auth_events".into(), refs(&self.auth_events, v1_ids));
        if v1_ids {
            let id = format!("${}:{}", random_localpart(), key.server_name);
            to_event_id("event_id", &id)?;
            json.insert("event_id".into(), string(&id));
        }
        Ok(json)
    }
}

fn int(n: u64) -> CanonicalJsonValue {
    CanonicalJsonValue::Integer(ruma::Int::new_saturating(n as i64))
}

fn to_canonical(value: &serde_json::Value) -> Result<CanonicalJsonValue, PduError> {
    CanonicalJsonValue::try_from(value.clone()).map_err(|e| PduError::Json(e.to_string()))
}

fn refs(ids: &[OwnedEventId], v1_ids: bool) -> CanonicalJsonValue {
    CanonicalJsonValue::Array(
        ids.iter()
            .map(|id| {
                let id = CanonicalJsonValue::String(id.to_string());
                if v1_ids {
                    CanonicalJsonValue::Array(vec![
                        id,
                        CanonicalJsonValue::Object(CanonicalJsonObject::new()),
                    ])
                } else {
                    id
                }
            })
            .collect(),
    )
}

fn random_localpart() -> String {
    use rand::Rng;
    rand::thread_rng()
        .sample_iter(&rand::distributions::Alphanumeric)
        .take(18)
        .map(char::from)
        .collect()
}
