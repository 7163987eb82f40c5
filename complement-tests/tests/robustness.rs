//! Behaviour under concurrency and around shutdown: parallel senders,
//! prompt SIGTERM with long-polls pending, transaction IDs across restarts.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use complement_tests::rooms::message_bodies;
use complement_tests::{json, Client, TestServer};

#[tokio::test]
async fn concurrent_senders_lose_nothing() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let alice = anon.register("alice").await;
    let room = alice.create_room(json!({"preset": "public_chat"})).await;
    let mut senders = vec![alice.clone()];
    for name in ["bob", "carol", "dave"] {
        let user = anon.register(name).await;
        user.join(&room).await;
        senders.push(user);
    }
    let mut tasks = Vec::new();
    for (index, sender) in senders.into_iter().enumerate() {
        let room = room.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..40 {
                sender.send_text(&room, &format!("s{index} m{i:02}")).await;
            }
        }));
    }
    for task in tasks {
        tokio::time::timeout(Duration::from_secs(60), task)
            .await
            .expect("sender timed out")
            .expect("sender panicked");
    }
    let bodies = alice.message_bodies(&room).await;
    assert_eq!(
        bodies.len(),
        160,
        "expected 160 messages, got {}",
        bodies.len()
    );
    assert_eq!(
        bodies.iter().collect::<HashSet<_>>().len(),
        160,
        "duplicates"
    );
    for index in 0..4 {
        let own: Vec<&String> = bodies
            .iter()
            .filter(|b| b.starts_with(&format!("s{index} ")))
            .collect();
        let mut sorted = own.clone();
        sorted.sort();
        assert_eq!(own, sorted, "sender {index}'s messages out of order");
    }
    let (synced, _) = alice
        .sync_until(None, Duration::from_secs(10), |body| Some(body.clone()))
        .await;
    let timeline: Vec<_> = Client::joined_events(&synced, &room, "timeline")
        .into_iter()
        .cloned()
        .collect();
    let tail = message_bodies(&timeline);
    assert!(
        !tail.is_empty() && bodies.ends_with(&tail),
        "sync timeline disagrees with /messages"
    );
}

#[tokio::test]
async fn sigterm_with_pending_long_polls_exits_promptly() {
    let mut server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let since = alice.sync(None, 0, None).await["next_batch"]
        .as_str()
        .expect("next_batch")
        .to_owned();
    let mut polls = Vec::new();
    for _ in 0..3 {
        let client = alice.clone();
        let since = since.clone();
        polls.push(tokio::spawn(async move {
            let request = client.builder(
                complement_tests::Method::GET,
                &format!("/_matrix/client/v3/sync?timeout=30000&since={since}"),
            );
            client.try_send(request).await.map(|r| r.status)
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    let status = server.stop_within(Duration::from_secs(5));
    let took = started.elapsed();
    let status =
        status.unwrap_or_else(|| panic!("SIGTERM took over {took:?} with long-polls pending"));
    assert!(status.success(), "exit status {status}");
    for poll in polls {
        let _ = tokio::time::timeout(Duration::from_secs(5), poll)
            .await
            .expect("long-poll left hanging");
    }
}

#[tokio::test]
async fn txn_id_is_idempotent_across_restart() {
    let mut server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let room = alice.create_room(json!({})).await;
    let content = json!({"msgtype": "m.text", "body": "retried"});
    let first = alice
        .send_raw(&room, "m.room.message", "retry-1", &content)
        .await
        .ok();
    server.stop();
    server.restart().await;
    let second = alice
        .send_raw(&room, "m.room.message", "retry-1", &content)
        .await
        .ok();
    assert_eq!(
        first["event_id"], second["event_id"],
        "a retried send after restart created a new event"
    );
    assert_eq!(alice.message_bodies(&room).await, ["retried"]);
}

#[tokio::test]
async fn many_rooms_sync_together() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let alice = anon.register("alice").await;
    let bob = anon.register("bob").await;
    let mut rooms = Vec::new();
    for i in 0..15 {
        let room = alice
            .create_room(json!({"preset": "public_chat", "name": format!("room {i}")}))
            .await;
        bob.join(&room).await;
        alice.send_text(&room, &format!("hello {i}")).await;
        rooms.push(room);
    }
    let body = bob.sync(None, 0, None).await;
    for (i, room) in rooms.iter().enumerate() {
        let timeline: Vec<_> = Client::joined_events(&body, room, "timeline")
            .into_iter()
            .cloned()
            .collect();
        assert!(
            message_bodies(&timeline).contains(&format!("hello {i}")),
            "room {i} incomplete in sync"
        );
    }
}

#[tokio::test]
async fn concurrent_joins_all_land() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let alice = anon.register("alice").await;
    let room = alice.create_room(json!({"preset": "public_chat"})).await;
    let mut users = Vec::new();
    for i in 0..12 {
        users.push(anon.register(&format!("joiner{i}")).await);
    }
    let tasks: Vec<_> = users
        .iter()
        .cloned()
        .map(|user| {
            let room = room.clone();
            tokio::spawn(async move { user.join(&room).await })
        })
        .collect();
    for task in tasks {
        tokio::time::timeout(Duration::from_secs(60), task)
            .await
            .expect("join hangs")
            .expect("join");
    }
    let members = alice
        .get(&complement_tests::rooms::room_path(&room, "joined_members"))
        .await
        .ok();
    let joined = members["joined"].as_object().expect("joined");
    assert_eq!(joined.len(), 13, "{members}");
    for user in &users {
        assert!(
            joined.contains_key(&user.user_id),
            "{} missing",
            user.user_id
        );
    }
}

#[tokio::test]
async fn concurrent_state_writes_agree_with_timeline() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let room = alice.create_room(json!({})).await;
    let other = server
        .client()
        .login("alice", complement_tests::PASSWORD)
        .await;
    let mut tasks = Vec::new();
    for (client, tag) in [(alice.clone(), "a"), (other, "b")] {
        let room = room.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..15 {
                client
                    .put_state(
                        &room,
                        "m.room.topic",
                        "",
                        &json!({"topic": format!("{tag}{i}")}),
                    )
                    .await;
            }
        }));
    }
    for task in tasks {
        tokio::time::timeout(Duration::from_secs(60), task)
            .await
            .expect("writer hangs")
            .expect("writer");
    }
    let current = alice.get_state(&room, "m.room.topic", "").await.ok();
    let events = alice.all_messages(&room, 20).await;
    let last = events
        .iter()
        .rev()
        .find(|e| e["type"] == "m.room.topic")
        .expect("topic events");
    assert_eq!(
        current["topic"], last["content"]["topic"],
        "current state differs from the last topic in the timeline"
    );
}
