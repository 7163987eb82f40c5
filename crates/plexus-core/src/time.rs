//! Wall-clock helpers (milliseconds since the Unix epoch, as Matrix counts time).

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, as used by `origin_server_ts`.
pub fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
