//! Base64 as Matrix uses it: standard alphabet, read with or without padding.

use ruma::serde::{base64::Standard, Base64};

/// Decodes standard base64, padded or not.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    Base64::<Standard, Vec<u8>>::parse(text.trim_end_matches('='))
        .ok()
        .map(Base64::into_inner)
}
