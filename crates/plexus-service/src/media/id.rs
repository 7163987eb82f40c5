//! Media IDs: generated as 24 characters of `[A-Za-z0-9]`, and checked
//! strictly on the way in so no request can name anything but a media row.

use rand::{distributions::Alphanumeric, Rng};

/// Length of the media IDs this server generates.
pub const MEDIA_ID_LEN: usize = 24;

/// A fresh, unguessable media ID.
pub fn generate() -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(MEDIA_ID_LEN)
        .map(char::from)
        .collect()
}

/// Whether `id` has the exact shape of an ID this server hands out.
pub fn is_local_id(id: &str) -> bool {
    id.len() == MEDIA_ID_LEN && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_valid_and_distinct() {
        let a = generate();
        assert!(is_local_id(&a), "{a}");
        assert_ne!(a, generate());
    }

    #[test]
    fn traversal_and_odd_ids_are_refused() {
        for bad in [
            "../../../etc/passwd",
            "",
            "abc",
            "aaaaaaaaaaaaaaaaaaaaaaa/",
            "aaaaaaaaaaaaaaaaaaaaaaa.",
            "aaaaaaaaaaaaaaaaaaaaaaaaa",
        ] {
            assert!(!is_local_id(bad), "{bad}");
        }
        assert!(is_local_id("AbCdEfGhIjKlMnOpQrStUv09"));
    }
}
