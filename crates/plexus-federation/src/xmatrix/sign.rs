//! The request signature: the JSON object `{method, uri, origin, destination,
//! content}` signed with the origin's key (outbound) and checked against the
//! origin's published key (inbound).

use plexus_core::pdu::SigningKey;
use ruma::{
    signatures::{sign_json, to_canonical_json_string_for_signing, verify_canonical_json_bytes},
    CanonicalJsonObject, CanonicalJsonValue, SigningKeyAlgorithm,
};
use serde_json::Value;

use super::XMatrix;

/// What is signed: the request as the origin sent it.
#[derive(Clone, Copy, Debug)]
pub struct SignedRequest<'a> {
    /// `GET`, `PUT`, …
    pub method: &'a str,
    /// Path and query, starting with `/_matrix/`.
    pub uri: &'a str,
    pub origin: &'a str,
    pub destination: &'a str,
    /// The JSON body, if the request has one.
    pub content: Option<&'a Value>,
}

/// Why a request signature could not be made or does not verify.
#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    #[error("request content is not canonical JSON: {0}")]
    NotCanonical(String),
    #[error("signature is not valid base64")]
    BadBase64,
    #[error("unsupported key algorithm in {0}")]
    UnsupportedKey(String),
    #[error("signature does not verify")]
    Invalid,
}

impl SignedRequest<'_> {
    /// The canonical JSON object that is signed.
    fn object(&self) -> Result<CanonicalJsonObject, SignatureError> {
        let mut object = CanonicalJsonObject::new();
        let text = |s: &str| CanonicalJsonValue::String(s.to_owned());
        object.insert("method".into(), text(self.method));
        object.insert("uri".into(), text(self.uri));
        object.insert("origin".into(), text(self.origin));
        object.insert("destination".into(), text(self.destination));
        if let Some(content) = self.content {
            let content = CanonicalJsonValue::try_from(content.clone())
                .map_err(|e| SignatureError::NotCanonical(e.to_string()))?;
            object.insert("content".into(), content);
        }
        Ok(object)
    }

    /// Signs the request with `key`; the result is the `Authorization` header value.
    pub fn authorization(&self, key: &SigningKey) -> Result<String, SignatureError> {
        let mut object = self.object()?;
        sign_json(self.origin, &key.key_pair, &mut object)
            .map_err(|e| SignatureError::NotCanonical(e.to_string()))?;
        let sig = object
            .get("signatures")
            .and_then(|s| match s {
                CanonicalJsonValue::Object(by_server) => by_server.get(self.origin),
                _ => None,
            })
            .and_then(|s| match s {
                CanonicalJsonValue::Object(by_key) => by_key.get(&key.key_id()),
                _ => None,
            })
            .and_then(|s| match s {
                CanonicalJsonValue::String(sig) => Some(sig.clone()),
                _ => None,
            })
            .ok_or_else(|| {
                SignatureError::NotCanonical("signature missing after signing".into())
            })?;
        let header = XMatrix {
            origin: self.origin.to_owned(),
            destination: Some(self.destination.to_owned()),
            key: key.key_id(),
            sig,
        };
        Ok(header.to_header_value())
    }

    /// Checks `sig` (unpadded base64) against `public_key` (raw ed25519 bytes).
    pub fn verify(&self, key_id: &str, sig: &str, public_key: &[u8]) -> Result<(), SignatureError> {
        if !key_id.starts_with("ed25519:") {
            return Err(SignatureError::UnsupportedKey(key_id.to_owned()));
        }
        let signature = crate::base64::decode(sig).ok_or(SignatureError::BadBase64)?;
        let canonical = to_canonical_json_string_for_signing(&self.object()?)
            .map_err(|e| SignatureError::NotCanonical(e.to_string()))?;
        verify_canonical_json_bytes(
            &SigningKeyAlgorithm::Ed25519,
            public_key,
            &signature,
            canonical.as_bytes(),
        )
        .map_err(|_| SignatureError::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(server: &str) -> SigningKey {
        SigningKey::from_pkcs8(
            server.try_into().unwrap(),
            &SigningKey::generate_pkcs8(),
            "t1",
        )
        .unwrap()
    }

    fn request(content: Option<&Value>) -> SignedRequest<'_> {
        SignedRequest {
            method: "PUT",
            uri: "/_matrix/federation/v1/send/1?x=y",
            origin: "origin.example",
            destination: "dest.example",
            content,
        }
    }

    #[test]
    fn a_signed_request_verifies_with_the_public_key() {
        let key = key("origin.example");
        let body = json!({"pdus": [], "edus": [{"a": 1}]});
        let header = request(Some(&body)).authorization(&key).unwrap();
        let parsed = XMatrix::parse(&header).unwrap();
        assert_eq!(parsed.origin, "origin.example");
        assert_eq!(parsed.destination.as_deref(), Some("dest.example"));
        assert_eq!(parsed.key, "ed25519:t1");
        let public = key.key_pair.public_key();
        request(Some(&body))
            .verify(&parsed.key, &parsed.sig, &public)
            .unwrap();
    }

    #[test]
    fn any_change_to_the_request_breaks_the_signature() {
        let key = key("origin.example");
        let body = json!({"a": 1});
        let parsed = XMatrix::parse(&request(Some(&body)).authorization(&key).unwrap()).unwrap();
        let public = key.key_pair.public_key();
        let other_body = json!({"a": 2});
        assert!(request(Some(&other_body))
            .verify(&parsed.key, &parsed.sig, &public)
            .is_err());
        assert!(request(None)
            .verify(&parsed.key, &parsed.sig, &public)
            .is_err());
        let mut moved = request(Some(&body));
        moved.uri = "/_matrix/federation/v1/send/2";
        assert!(moved.verify(&parsed.key, &parsed.sig, &public).is_err());
        let other_key = self::key("origin.example").key_pair.public_key();
        assert!(request(Some(&body))
            .verify(&parsed.key, &parsed.sig, &other_key)
            .is_err());
    }
}
