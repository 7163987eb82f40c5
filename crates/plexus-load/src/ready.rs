//! `wait-ready`: polls `/_matrix/client/versions` every millisecond until it answers,
//! and reports the time since a given start instant (wall clock, Unix nanoseconds), so a
//! script can measure a server's start-up from process start to first answer with
//! millisecond resolution.

use crate::client::Matrix;
use anyhow::{bail, Result};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use url::Url;

/// Polls until the server answers; returns the time elapsed since `since_unix_ns`.
/// Fails if `pid` (when given) exits first, or after `timeout`.
pub async fn wait_ready(
    base: Url,
    since_unix_ns: u128,
    pid: Option<u32>,
    timeout: Duration,
) -> Result<Duration> {
    let mx = Matrix::new(base)?;
    let give_up = tokio::time::Instant::now() + timeout;
    loop {
        let attempt = tokio::time::timeout(Duration::from_millis(500), mx.versions()).await;
        if let Ok(Ok(_)) = attempt {
            let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
            return Ok(Duration::from_nanos(
                now.saturating_sub(since_unix_ns) as u64
            ));
        }
        if let Some(pid) = pid {
            if !Path::new(&format!("/proc/{pid}")).exists() || is_zombie(pid) {
                bail!("process {pid} exited before the server answered");
            }
        }
        if tokio::time::Instant::now() >= give_up {
            bail!("no answer from /versions within {}s", timeout.as_secs());
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

fn is_zombie(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn measures_against_the_ceiling() {
        let (addr, server) = crate::ceiling::spawn_local().await.unwrap();
        let since = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let url = Url::parse(&format!("http://{addr}")).unwrap();
        let took = wait_ready(url, since, Some(std::process::id()), Duration::from_secs(5))
            .await
            .unwrap();
        assert!(took < Duration::from_secs(5));
        server.abort();
    }

    #[tokio::test]
    async fn gives_up_on_a_closed_port() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = Url::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
        drop(listener);
        let r = wait_ready(url, 0, None, Duration::from_millis(50)).await;
        assert!(r.is_err());
    }
}
