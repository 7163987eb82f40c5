//! Room set-ups shared by the federation scenarios: joining through a given
//! server, and "alice on `a` with bob from `b` in a public room".

use serde_json::json;

use crate::encode::{path_segment, query_value};
use crate::federation::Federation;
use crate::{ApiResponse, Client};

impl Client {
    /// `POST /join/{room}?server_name=…&via=…`: join through `server`
    /// (v12 room IDs name no server, so a remote join needs one).
    pub async fn join_via(&self, room: &str, server: &str) -> ApiResponse {
        let server = query_value(server);
        let path = format!(
            "/_matrix/client/v3/join/{}?server_name={server}&via={server}",
            path_segment(room)
        );
        self.post(&path, &json!({})).await
    }

    /// Sends each of `bodies` as an `m.text` message, in order.
    pub async fn send_texts(&self, room_id: &str, bodies: &[String]) {
        for body in bodies {
            self.send_text(room_id, body).await;
        }
    }
}

impl Federation {
    /// alice@a creates a public room and bob@b joins it by ID through `a`;
    /// returns once `a` sees bob joined: `(alice, bob, room_id)`.
    pub async fn public_room_with_remote_member(&self) -> (Client, Client, String) {
        let alice = self.a.register_user("alice").await;
        let bob = self.b.register_user("bob").await;
        let room = alice
            .create_room(json!({"preset": "public_chat", "name": "Federated"}))
            .await;
        let joined = bob.join_via(&room, self.a.server_name()).await;
        assert_eq!(joined.status, 200, "bob's join: {joined:?}");
        alice.wait_for_membership(&room, &bob.user_id, "join").await;
        (alice, bob, room)
    }
}

/// `"{prefix} 0"`, `"{prefix} 1"`, …: `count` distinct message bodies.
pub fn numbered_texts(prefix: &str, count: usize) -> Vec<String> {
    (0..count).map(|i| format!("{prefix} {i}")).collect()
}
