//! Bounded waiting for federation to deliver: poll a condition on a server
//! every 100 ms until it holds or a deadline passes (then panic with the
//! last observation, so the failure says what was seen).

use std::future::Future;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::Client;

/// How long federation gets to deliver anything in these tests.
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(30);

/// Calls `check` until it returns `Ok`, at most for `limit`; panics with
/// `what` and the last `Err` description otherwise.
pub async fn poll_until<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let deadline = Instant::now() + limit;
    loop {
        let last = match check().await {
            Ok(value) => return value,
            Err(last) => last,
        };
        assert!(
            Instant::now() < deadline,
            "{what}: not true within {limit:?}; last seen: {last}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

impl Client {
    /// Waits until `user_id`'s membership in `room_id`, as this user's
    /// server sees it, is `membership`.
    pub async fn wait_for_membership(&self, room_id: &str, user_id: &str, membership: &str) {
        let what = format!("{} sees {user_id} {membership} in {room_id}", self.user_id);
        poll_until(&what, DELIVERY_TIMEOUT, || async move {
            let seen = self.membership_of(room_id, user_id).await;
            match seen.as_deref() {
                Some(m) if m == membership => Ok(()),
                other => Err(format!("{other:?}")),
            }
        })
        .await
    }

    /// Waits until the user has an invite to `room_id` (via `/sync`).
    pub async fn wait_for_invite_within(&self, room_id: &str, limit: Duration) {
        self.sync_until(None, limit, |body| {
            body["rooms"]["invite"].get(room_id).map(|_| ())
        })
        .await;
    }

    /// Waits until the room's `m.room.message` bodies (via `/messages`)
    /// end with `expected`; returns all bodies.
    pub async fn wait_for_bodies(&self, room_id: &str, expected: &[String]) -> Vec<String> {
        let what = format!(
            "{} sees {} messages in {room_id}",
            self.user_id,
            expected.len()
        );
        poll_until(&what, DELIVERY_TIMEOUT, || async move {
            let response = self.messages_raw(room_id, "b", None, 100).await;
            if response.status != 200 {
                return Err(format!("/messages: {response:?}"));
            }
            let bodies = self.message_bodies(room_id).await;
            if bodies.ends_with(expected) {
                Ok(bodies)
            } else {
                Err(format!("{bodies:?}"))
            }
        })
        .await
    }

    /// Waits until the current state event `(kind, state_key)` of the room
    /// has `value` at the JSON `pointer` of its content (`"/name"`).
    pub async fn wait_for_state(
        &self,
        room_id: &str,
        kind: &str,
        state_key: &str,
        pointer: &str,
        value: &Value,
    ) {
        let what = format!(
            "{} sees {kind}{pointer} = {value} in {room_id}",
            self.user_id
        );
        poll_until(&what, DELIVERY_TIMEOUT, || async move {
            let response = self.get_state(room_id, kind, state_key).await;
            if response.status == 200 && response.body.pointer(pointer) == Some(value) {
                Ok(())
            } else {
                Err(format!("{} {}", response.status, response.body))
            }
        })
        .await
    }

    /// The `next_batch` of an initial sync: a point to wait from.
    pub async fn sync_position(&self) -> String {
        let body = self.sync(None, 0, None).await;
        body["next_batch"].as_str().expect("next_batch").to_owned()
    }

    /// Waits until `/sync` from `since` has the room under `leave` with this
    /// user's last member event having `membership` (`leave` for a kick).
    pub async fn wait_for_own_departure(&self, room_id: &str, membership: &str, since: &str) {
        let user = self.user_id.clone();
        self.sync_until(Some(since), DELIVERY_TIMEOUT, |body| {
            let events = body["rooms"]["leave"][room_id]["timeline"]["events"].as_array()?;
            events
                .iter()
                .rev()
                .find(|e| e["type"] == "m.room.member" && e["state_key"] == user.as_str())
                .filter(|e| e["content"]["membership"] == membership)
                .map(|_| ())
        })
        .await;
    }
}
