//! Simplified sliding sync (MSC4186) as Element X speaks it:
//! `POST /_matrix/client/unstable/org.matrix.simplified_msc3575/sync?pos=…&timeout=…`.

use super::{snippet, Matrix, Session};
use anyhow::{bail, Result};
use serde_json::Value;

/// The unstable path segments after `/_matrix/client/`.
const PATH: [&str; 3] = ["unstable", "org.matrix.simplified_msc3575", "sync"];

impl Matrix {
    /// One sliding sync request; returns the raw body so callers can time the whole
    /// download. `pos` is the previous response's `pos` (none for a new connection).
    pub async fn sliding_sync_raw(
        &self,
        s: &Session,
        pos: Option<&str>,
        timeout_ms: u64,
        body: &Value,
    ) -> Result<bytes::Bytes> {
        let mut url = self.url(PATH[0], &PATH[1..]);
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("timeout", &timeout_ms.to_string());
            if let Some(pos) = pos {
                q.append_pair("pos", pos);
            }
        }
        let resp = self
            .http
            .post(url)
            .bearer_auth(&s.token)
            .json(body)
            .send()
            .await?;
        let status = resp.status();
        let bytes = resp.bytes().await?;
        if !status.is_success() {
            let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            bail!("POST sliding sync: HTTP {status}: {}", snippet(&v));
        }
        Ok(bytes)
    }
}
