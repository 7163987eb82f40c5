//! `/sync` helpers on [`Client`]: one request, and "sync until a predicate
//! holds" with a deadline.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::encode::{path_segment as enc, query_value};
use crate::Client;

impl Client {
    /// One `GET /sync`; `timeout_ms` is the long-poll timeout.
    pub async fn sync(&self, since: Option<&str>, timeout_ms: u64, filter: Option<&str>) -> Value {
        let mut path = format!("/_matrix/client/v3/sync?timeout={timeout_ms}");
        if let Some(since) = since {
            path.push_str(&format!("&since={}", query_value(since)));
        }
        if let Some(filter) = filter {
            path.push_str(&format!("&filter={}", query_value(filter)));
        }
        let request = self.builder(reqwest::Method::GET, &path);
        let request =
            request.timeout(Duration::from_millis(timeout_ms) + crate::client::REQUEST_TIMEOUT);
        let response = self
            .try_send(request)
            .await
            .unwrap_or_else(|e| panic!("sync: {e}"));
        assert_eq!(response.status, 200, "sync failed: {response:?}");
        response.body
    }

    /// Syncs from `since` (long-polling 1 s at a time) until `found` returns
    /// `Some` for a response, or panics after `limit`. Returns the value and
    /// the last `next_batch`.
    pub async fn sync_until<T>(
        &self,
        since: Option<&str>,
        limit: Duration,
        mut found: impl FnMut(&Value) -> Option<T>,
    ) -> (T, String) {
        let deadline = Instant::now() + limit;
        let mut since = since.map(str::to_owned);
        loop {
            let timeout = if since.is_some() { 1000 } else { 0 };
            let body = self.sync(since.as_deref(), timeout, None).await;
            let next = body["next_batch"].as_str().expect("next_batch").to_owned();
            if let Some(value) = found(&body) {
                return (value, next);
            }
            assert!(
                Instant::now() < deadline,
                "sync condition not met within {limit:?}; last: {body}"
            );
            since = Some(next);
        }
    }

    /// Syncs until this user is invited to `room_id`.
    pub async fn wait_for_invite(&self, room_id: &str) {
        let key = room_id.to_owned();
        self.sync_until(None, Duration::from_secs(10), |body| {
            body["rooms"]["invite"].get(&key).map(|_| ())
        })
        .await;
    }

    /// An inline `/sync` filter (JSON text) limiting each room's timeline.
    pub fn timeline_limit_filter(limit: u32) -> String {
        format!(r#"{{"room":{{"timeline":{{"limit":{limit}}}}}}}"#)
    }

    /// The events of `section` (`timeline`, `state`, `ephemeral`,
    /// `account_data`) of joined room `room_id` in a sync response.
    pub fn joined_events<'a>(body: &'a Value, room_id: &str, section: &str) -> Vec<&'a Value> {
        body["rooms"]["join"][room_id][section]["events"]
            .as_array()
            .map(|events| events.iter().collect())
            .unwrap_or_default()
    }

    /// `/_matrix/client/v3/user/{me}/…`.
    pub fn user_path(&self, rest: &str) -> String {
        format!("/_matrix/client/v3/user/{}/{rest}", enc(&self.user_id))
    }
}
