//! Push notifications: who gets one and in what shape, and the notifier
//! against a recording gateway (delivery, position, rejected pushkeys).

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use super::{PushGateway, Pushing};
use crate::{
    events::NewEvent,
    rooms::{CreateRoom, Preset},
    tests::{fixture, user},
    Services,
};

fn pusher(pushkey: &str, format: Option<&str>) -> Value {
    let mut data = json!({ "url": "http://127.0.0.1:9/_matrix/push/v1/notify" });
    if let Some(format) = format {
        data["format"] = json!(format);
    }
    json!({ "kind": "http", "app_id": "org.example.app", "pushkey": pushkey,
            "app_display_name": "App", "device_display_name": "Phone", "lang": "en",
            "data": data })
}

fn text(body: &str) -> NewEvent {
    NewEvent::message(
        "m.room.message",
        json!({ "msgtype": "m.text", "body": body }),
    )
}

/// alice (with a pusher) and bob in a named room.
async fn room_with_pusher(
    s: &Services,
    format: Option<&str>,
) -> (ruma::OwnedUserId, ruma::OwnedUserId, ruma::OwnedRoomId) {
    let alice = user(s, "alice").await;
    let bob = user(s, "bob").await;
    let request = CreateRoom {
        preset: Some(Preset::PublicChat),
        name: Some("Family".into()),
        ..Default::default()
    };
    let room = s.create_room(&alice, request).await.unwrap();
    s.join_room(&room, &bob, None, &[]).await.unwrap();
    s.set_pusher(&alice, pusher("key-1", format), false)
        .unwrap();
    (alice, bob, room)
}

#[tokio::test]
async fn a_message_to_a_member_with_a_pusher_becomes_one_notification() {
    let f = fixture().await;
    let s = &f.services;
    let (alice, bob, room) = room_with_pusher(s, None).await;
    let pdu = s.append_event(&room, &bob, text("dinner?")).await.unwrap();
    let deliveries = s.push_deliveries(&pdu).unwrap();
    assert_eq!(deliveries.len(), 1);
    let delivery = &deliveries[0];
    assert_eq!(delivery.user, alice);
    assert_eq!(delivery.url, "http://127.0.0.1:9/_matrix/push/v1/notify");
    let n = &delivery.body["notification"];
    assert_eq!(n["event_id"], pdu.event_id.as_str());
    assert_eq!(n["room_id"], room.as_str());
    assert_eq!(n["sender"], bob.as_str());
    assert_eq!(n["content"]["body"], "dinner?");
    assert_eq!(n["room_name"], "Family");
    assert_eq!(n["counts"]["unread"], 1);
    assert_eq!(n["prio"], "high", "the default rule for messages sounds");
    let device = &n["devices"][0];
    assert_eq!(device["pushkey"], "key-1");
    assert_eq!(device["tweaks"]["sound"], "default");
    assert!(device["data"].get("url").is_none());
    assert!(device["pushkey_ts"].as_u64().unwrap() > 0);
    let own = s.append_event(&room, &alice, text("coming")).await.unwrap();
    assert!(
        s.push_deliveries(&own).unwrap().is_empty(),
        "no push for one's own event"
    );
}

#[tokio::test]
async fn an_event_id_only_pusher_gets_no_content() {
    let f = fixture().await;
    let s = &f.services;
    let (_, bob, room) = room_with_pusher(s, Some("event_id_only")).await;
    let pdu = s.append_event(&room, &bob, text("secret")).await.unwrap();
    let n = &s.push_deliveries(&pdu).unwrap()[0].body["notification"];
    assert_eq!(n["event_id"], pdu.event_id.as_str());
    for field in ["content", "sender", "type", "room_name"] {
        assert!(n.get(field).is_none(), "{field} in {n}");
    }
}

/// Records what it is sent; rejects `reject` pushkeys.
struct Recorder {
    sent: Mutex<Vec<Value>>,
    reject: Vec<String>,
}

#[async_trait::async_trait]
impl PushGateway for Recorder {
    async fn notify(&self, _url: &str, body: &Value) -> Result<Vec<String>, String> {
        self.sent.lock().unwrap().push(body.clone());
        Ok(self.reject.clone())
    }
}

/// The notifications `gateway` has received once `count` have arrived.
async fn received(gateway: &Recorder, count: usize) -> Vec<Value> {
    for _ in 0..200 {
        let sent = gateway.sent.lock().unwrap().clone();
        if sent.len() >= count {
            return sent;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    gateway.sent.lock().unwrap().clone()
}

#[tokio::test]
async fn the_notifier_pushes_new_events_once_and_drops_rejected_pushkeys() {
    let f = fixture().await;
    let s = &f.services;
    let (alice, bob, room) = room_with_pusher(s, None).await;
    let gateway = Arc::new(Recorder {
        sent: Mutex::default(),
        reject: vec![],
    });
    let pushing = Pushing::new(gateway.clone());
    s.push_pending(&pushing).unwrap(); // first start: the past is not pushed
    let pdu = s.append_event(&room, &bob, text("one")).await.unwrap();
    s.push_pending(&pushing).unwrap();
    s.push_pending(&pushing).unwrap();
    let sent = received(&gateway, 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(
        gateway.sent.lock().unwrap().len(),
        1,
        "pushed once: {sent:?}"
    );
    assert_eq!(sent[0]["notification"]["event_id"], pdu.event_id.as_str());
    let rejecting = Arc::new(Recorder {
        sent: Mutex::default(),
        reject: vec!["key-1".into()],
    });
    s.append_event(&room, &bob, text("two")).await.unwrap();
    s.push_pending(&Pushing::new(rejecting.clone())).unwrap();
    assert_eq!(received(&rejecting, 1).await.len(), 1);
    for _ in 0..200 {
        if s.pushers(&alice).unwrap().is_empty() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("a rejected pushkey's pusher is removed");
}

/// Never answers for URLs on port 1; records the others.
struct HalfDead {
    sent: Mutex<Vec<Value>>,
}

#[async_trait::async_trait]
impl PushGateway for HalfDead {
    async fn notify(&self, url: &str, body: &Value) -> Result<Vec<String>, String> {
        if url.contains(":1/") {
            std::future::pending::<()>().await;
        }
        self.sent.lock().unwrap().push(body.clone());
        Ok(vec![])
    }
}

#[tokio::test]
async fn a_dead_gateway_delays_no_one_elses_push() {
    let f = fixture().await;
    let s = &f.services;
    let (_, bob, room) = room_with_pusher(s, None).await;
    let mut dead = pusher("dead", None);
    dead["data"]["url"] = json!("http://127.0.0.1:1/_matrix/push/v1/notify");
    let carol = user(s, "carol").await;
    s.join_room(&room, &carol, None, &[]).await.unwrap();
    s.set_pusher(&carol, dead, false).unwrap();
    let gateway = Arc::new(HalfDead {
        sent: Mutex::default(),
    });
    let pushing = Pushing::new(gateway.clone());
    s.push_pending(&pushing).unwrap();
    for body in ["one", "two"] {
        s.append_event(&room, &bob, text(body)).await.unwrap();
        s.push_pending(&pushing).unwrap();
    }
    let started = std::time::Instant::now();
    while gateway.sent.lock().unwrap().len() < 2 {
        assert!(
            started.elapsed().as_secs() < 5,
            "alice's pushes wait for carol's dead gateway"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let sent = gateway.sent.lock().unwrap().clone();
    assert!(sent
        .iter()
        .all(|b| b["notification"]["devices"][0]["pushkey"] == "key-1"));
}
