//! Push notifications against the real binary: a push gateway played by
//! this test (plain HTTP on 127.0.0.1) receives `/_matrix/push/v1/notify`
//! when another member writes to a user with a pusher, in the Push Gateway
//! API's shape; the user's own messages are not pushed; a pushkey the
//! gateway rejects loses its pusher; a pusher URL with another path is 400.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use complement_tests::{json, Client, ServerOptions, TestServer, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

const NOTIFY_PATH: &str = "/_matrix/push/v1/notify";
/// How long a push may take to arrive.
const PUSH_WAIT: Duration = Duration::from_secs(10);

/// A push gateway on a loopback port: every notification it receives goes
/// to the channel; it answers with the pushkeys in `rejected`.
struct Gateway {
    url: String,
    received: mpsc::UnboundedReceiver<Value>,
    rejected: Arc<Mutex<Vec<String>>>,
}

impl Gateway {
    async fn start() -> Gateway {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}{NOTIFY_PATH}", listener.local_addr().unwrap());
        let (sender, received) = mpsc::unbounded_channel();
        let rejected = Arc::new(Mutex::new(Vec::new()));
        let answer = rejected.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, sender.clone(), answer.clone()));
            }
        });
        Gateway {
            url,
            received,
            rejected,
        }
    }

    /// The next notification, or `None` if none comes within `wait`.
    async fn next(&mut self, wait: Duration) -> Option<Value> {
        tokio::time::timeout(wait, self.received.recv())
            .await
            .ok()
            .flatten()
    }
}

/// One HTTP/1.1 request: headers, a `Content-Length` body, a JSON answer.
async fn serve(
    mut stream: TcpStream,
    sender: mpsc::UnboundedSender<Value>,
    rejected: Arc<Mutex<Vec<String>>>,
) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let (head_end, length) = loop {
        let Ok(read) = stream.read(&mut chunk).await else {
            return;
        };
        if read == 0 {
            return;
        }
        buffer.extend_from_slice(&chunk[..read]);
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).to_lowercase();
            let length = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|value| value.trim().parse::<usize>().ok())
                .unwrap_or(0);
            break (end + 4, length);
        }
    };
    while buffer.len() < head_end + length {
        let Ok(read) = stream.read(&mut chunk).await else {
            return;
        };
        if read == 0 {
            return;
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
    let body: Value =
        serde_json::from_slice(&buffer[head_end..head_end + length]).unwrap_or_default();
    let _ = sender.send(body);
    let answer = json!({ "rejected": *rejected.lock().unwrap() }).to_string();
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
        answer.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
}

fn pusher(pushkey: &str, url: &str) -> Value {
    json!({
        "kind": "http", "app_id": "org.example.phone", "pushkey": pushkey,
        "app_display_name": "Phone app", "device_display_name": "alice's phone",
        "lang": "en", "data": { "url": url },
    })
}

/// A server whose deny list lets it reach the loopback gateway.
async fn server() -> TestServer {
    let mut options = ServerOptions::default();
    options
        .extra_env
        .push(("PLEXUS_FEDERATION_IP_RANGE_DENYLIST".into(), String::new()));
    TestServer::start(options).await
}

async fn pushers(client: &Client) -> Vec<Value> {
    let answer = client.get("/_matrix/client/v3/pushers").await.ok();
    answer["pushers"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_message_reaches_the_push_gateway_of_the_other_member() {
    let server = server().await;
    let mut gateway = Gateway::start().await;
    let alice = server.client().register("alice").await;
    let bob = server.client().register("bob").await;
    let room = alice
        .create_room(json!({ "preset": "public_chat", "name": "Family" }))
        .await;
    bob.join(&room).await;
    let set = alice
        .post(
            "/_matrix/client/v3/pushers/set",
            &pusher("alice-phone", &gateway.url),
        )
        .await;
    assert_eq!(set.status, 200, "{set:?}");

    let event = bob.send_text(&room, "dinner?").await;
    let push = gateway
        .next(PUSH_WAIT)
        .await
        .expect("a push for bob's message");
    let n = &push["notification"];
    assert_eq!(n["event_id"], event.as_str(), "{push}");
    assert_eq!(n["room_id"], room.as_str());
    assert_eq!(n["sender"], bob.user_id.as_str());
    assert_eq!(n["type"], "m.room.message");
    assert_eq!(n["content"]["body"], "dinner?");
    assert_eq!(n["room_name"], "Family");
    assert_eq!(n["counts"]["unread"], 1);
    assert_eq!(n["devices"][0]["pushkey"], "alice-phone");
    assert_eq!(n["devices"][0]["app_id"], "org.example.phone");
    assert_eq!(n["devices"][0]["tweaks"]["sound"], "default");

    alice.send_text(&room, "on my way").await;
    let later = bob.send_text(&room, "hurry").await;
    let push = gateway
        .next(PUSH_WAIT)
        .await
        .expect("a push for bob's second message");
    assert_eq!(
        push["notification"]["event_id"],
        later.as_str(),
        "alice's own message is not pushed to her"
    );

    gateway.rejected.lock().unwrap().push("alice-phone".into());
    bob.send_text(&room, "still there?").await;
    gateway
        .next(PUSH_WAIT)
        .await
        .expect("a push the gateway rejects");
    let deadline = tokio::time::Instant::now() + PUSH_WAIT;
    while !pushers(&alice).await.is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the rejected pusher stays"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_pusher_url_with_another_path_is_refused() {
    let server = server().await;
    let alice = server.client().register("alice").await;
    let answer = alice
        .post(
            "/_matrix/client/v3/pushers/set",
            &pusher("key", "https://push.example/notify"),
        )
        .await;
    assert_eq!(answer.status, 400, "{answer:?}");
    assert_eq!(answer.body["errcode"], "M_INVALID_PARAM");
    assert!(pushers(&alice).await.is_empty());
}
