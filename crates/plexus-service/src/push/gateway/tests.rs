//! Push notifications: who gets one and in what shape, and the notifier
//! against a recording gateway (delivery, position, rejected pushkeys).

use std::sync::Mutex;

use serde_json::{json, Value};

use super::PushGateway;
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

#[tokio::test]
async fn the_notifier_pushes_new_events_once_and_drops_rejected_pushkeys() {
    let f = fixture().await;
    let s = &f.services;
    let (alice, bob, room) = room_with_pusher(s, None).await;
    let gateway = Recorder {
        sent: Mutex::default(),
        reject: vec![],
    };
    s.push_pending(&gateway).await.unwrap(); // first start: the past is not pushed
    assert!(gateway.sent.lock().unwrap().is_empty());
    let pdu = s.append_event(&room, &bob, text("one")).await.unwrap();
    s.push_pending(&gateway).await.unwrap();
    s.push_pending(&gateway).await.unwrap();
    let sent = gateway.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 1, "pushed once: {sent:?}");
    assert_eq!(sent[0]["notification"]["event_id"], pdu.event_id.as_str());
    let rejecting = Recorder {
        sent: Mutex::default(),
        reject: vec!["key-1".into()],
    };
    s.append_event(&room, &bob, text("two")).await.unwrap();
    s.push_pending(&rejecting).await.unwrap();
    assert_eq!(rejecting.sent.lock().unwrap().len(), 1);
    assert!(
        s.pushers(&alice).unwrap().is_empty(),
        "a rejected pushkey's pusher is removed"
    );
}
