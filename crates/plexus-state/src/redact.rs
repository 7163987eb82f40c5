//! The per-room-version redaction algorithm, delegated to ruma's implementation (which is
//! driven by the same [`RedactionRules`] table) and covered by tests for every version.

use ruma::{
    canonical_json::{redact as ruma_redact, CanonicalJsonFieldError, CanonicalJsonObject},
    room_version_rules::RedactionRules,
};

/// Redacts a PDU given as a canonical JSON object, keeping exactly the top-level keys and
/// content keys the room version's redaction algorithm keeps.
pub fn redact(
    rules: &RedactionRules,
    event: CanonicalJsonObject,
) -> Result<CanonicalJsonObject, CanonicalJsonFieldError> {
    ruma_redact(event, rules, None)
}

#[cfg(test)]
mod tests;
