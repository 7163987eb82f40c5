//! Bounded polling: the SDK updates its views asynchronously, so tests poll
//! a condition until it holds or [`WAIT`] passes.

use std::future::Future;
use std::time::Duration;

use anyhow::{bail, Result};

/// The longest any single condition is awaited.
pub const WAIT: Duration = Duration::from_secs(30);
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// Polls `check` until it returns `Ok`, for at most [`WAIT`]. `check`
/// answers `Err(state)` while the condition does not hold; the timeout error
/// names `what` and the last such state.
pub async fn wait_for<T, F, Fut>(what: &str, mut check: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let last = match check().await {
            Ok(value) => return Ok(value),
            Err(state) => state,
        };
        if tokio::time::Instant::now() >= deadline {
            bail!("timed out after {WAIT:?} waiting for {what}; last state: {last}");
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}
