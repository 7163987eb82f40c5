//! Rule 5.4.1: invites issued on behalf of a third-party identifier.

use ruma::{canonical_json::CanonicalJsonValue, events::StateEventType, signatures, UserId};
use serde_json::Value;

use super::RoomContext;
use crate::{AuthError, Event};

fn reject<T>(why: impl Into<String>) -> Result<T, AuthError> {
    Err(AuthError::ThirdPartyInvite(why.into()))
}

/// 5.4.1.1–5.4.1.8.
pub(crate) fn check_third_party_invite<E: Event>(
    room: &RoomContext<'_, E>,
    event: &E,
    target: &UserId,
    third_party_invite: &Value,
) -> Result<(), AuthError> {
    // 5.4.1.1: "If target user is banned, reject."
    if room.membership(target.as_str()) == "ban" {
        return reject("target user is banned");
    }
    // 5.4.1.2: "If content.third_party_invite does not have a signed property, reject."
    let Some(signed) = third_party_invite.get("signed") else {
        return reject("no `signed`");
    };
    // 5.4.1.3: "If signed does not have mxid and token properties, reject."
    let (Some(mxid), Some(token)) = (
        signed.get("mxid").and_then(Value::as_str),
        signed.get("token").and_then(Value::as_str),
    ) else {
        return reject("`signed` lacks mxid or token");
    };
    // 5.4.1.4: "If mxid does not match state_key, reject."
    if mxid != target.as_str() {
        return reject("mxid does not match state_key");
    }
    // 5.4.1.5: "If there is no m.room.third_party_invite event in the current room state with
    // state_key matching token, reject."
    let Some(invite_event) = room.state(&StateEventType::RoomThirdPartyInvite, token) else {
        return reject("no m.room.third_party_invite for the token");
    };
    // 5.4.1.6: "If sender does not match sender of the m.room.third_party_invite, reject."
    if invite_event.sender() != event.sender() {
        return reject("sender did not issue the third-party invite");
    }
    // 5.4.1.7: "If any signature in signed matches any public key in the
    // m.room.third_party_invite event, allow."
    let invite_content: Value = serde_json::from_str(invite_event.content().get())
        .map_err(|e| AuthError::Malformed(format!("m.room.third_party_invite content: {e}")))?;
    if public_keys(&invite_content)
        .iter()
        .any(|key| signed_by(signed, key))
    {
        Ok(())
    } else {
        // 5.4.1.8: "Otherwise, reject."
        reject("no signature in `signed` matches the invite's public keys")
    }
}

/// The invite's keys: `public_key` and every `public_keys[].public_key`.
fn public_keys(content: &Value) -> Vec<String> {
    let single = content
        .get("public_key")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let listed = content
        .get("public_keys")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            entry
                .get("public_key")
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
    single.into_iter().chain(listed).collect()
}

/// Whether any ed25519 signature in `signed.signatures` verifies against `public_key`
/// (unpadded standard or URL-safe base64, as identity servers publish either).
fn signed_by(signed: &Value, public_key: &str) -> bool {
    let Some(key_bytes) = decode_base64(public_key) else {
        return false;
    };
    let Ok(CanonicalJsonValue::Object(object)) = CanonicalJsonValue::try_from(signed.clone())
    else {
        return false;
    };
    let Ok(canonical) = signatures::to_canonical_json_string_for_signing(&object) else {
        return false;
    };
    let Some(by_server) = signed.get("signatures").and_then(Value::as_object) else {
        return false;
    };
    by_server
        .values()
        .filter_map(Value::as_object)
        .flatten()
        .any(|(key_id, signature)| {
            let Some(signature) = signature.as_str().and_then(decode_base64) else {
                return false;
            };
            key_id.starts_with("ed25519:")
                && signatures::verify_canonical_json_bytes(
                    &signatures::SigningKeyAlgorithm::Ed25519,
                    &key_bytes,
                    &signature,
                    canonical.as_bytes(),
                )
                .is_ok()
        })
}

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    use ruma::serde::{base64::UrlSafe, Base64};
    Base64::<ruma::serde::base64::Standard>::parse(text)
        .map(Base64::into_inner)
        .or_else(|_| Base64::<UrlSafe>::parse(text).map(Base64::into_inner))
        .ok()
}
