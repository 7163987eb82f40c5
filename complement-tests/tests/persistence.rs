//! Durability: a graceful restart keeps users, tokens, rooms and messages;
//! a SIGKILL under write load loses no acknowledged message.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use complement_tests::rooms::next_txn_id;
use complement_tests::{json, Client, ServerOptions, TestServer, PASSWORD};

#[tokio::test]
async fn graceful_restart_keeps_everything() {
    let mut server = TestServer::start_default().await;
    let anon = server.client();
    let alice = anon.register("alice").await;
    let bob = anon.register("bob").await;
    let room = alice
        .create_room(
            json!({"preset": "public_chat", "name": "Durable", "room_alias_name": "durable"}),
        )
        .await;
    bob.join(&room).await;
    for i in 0..5 {
        alice.send_text(&room, &format!("kept {i}")).await;
    }
    let path = format!(
        "/_matrix/client/v3/profile/{}/displayname",
        complement_tests::encode::path_segment(&alice.user_id)
    );
    alice
        .put(&path, &json!({"displayname": "Persistent Alice"}))
        .await
        .ok();
    let status = server.stop();
    assert!(status.success(), "SIGTERM exit status: {status}");
    server.restart().await;

    assert_eq!(
        alice.whoami().await,
        alice.user_id,
        "token lost across restart"
    );
    assert_eq!(
        bob.message_bodies(&room).await,
        ["kept 0", "kept 1", "kept 2", "kept 3", "kept 4"]
    );
    assert_eq!(
        alice.get_state(&room, "m.room.name", "").await.ok()["name"],
        "Durable"
    );
    assert!(bob.joined_rooms().await.contains(&room));
    assert_eq!(
        anon.get(&path).await.ok()["displayname"],
        "Persistent Alice"
    );
    let alias = anon
        .get("/_matrix/client/v3/directory/room/%23durable%3Alocalhost")
        .await
        .ok();
    assert_eq!(alias["room_id"], room.as_str());
    anon.login("bob", PASSWORD).await;
    anon.register_raw(
        json!({"username": "alice", "password": PASSWORD}),
        json!({"type": "m.login.dummy"}),
    )
    .await
    .assert_error(400, "M_USER_IN_USE");
    alice.send_text(&room, "after restart").await;
    assert_eq!(
        bob.message_bodies(&room).await.last().map(String::as_str),
        Some("after restart")
    );
}

#[tokio::test]
async fn sync_token_survives_restart() {
    let mut server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let room = alice.create_room(json!({})).await;
    alice.send_text(&room, "before").await;
    let since = alice.sync(None, 0, None).await["next_batch"]
        .as_str()
        .expect("next_batch")
        .to_owned();
    server.stop();
    server.restart().await;
    alice.send_text(&room, "after").await;
    let body = alice.sync(Some(&since), 5000, None).await;
    let events: Vec<_> = Client::joined_events(&body, &room, "timeline")
        .into_iter()
        .cloned()
        .collect();
    assert_eq!(
        complement_tests::rooms::message_bodies(&events),
        ["after"],
        "{body}"
    );
}

/// What one writer observed: acknowledged bodies in order, and the body in
/// flight when the connection broke (it may or may not have been stored).
struct WriterLog {
    acked: Vec<String>,
    in_flight: Option<String>,
}

/// Number of messages acknowledged so far, shared by the writers.
type Acked = Arc<AtomicUsize>;

/// Most messages one writer sends (keeps the history checks affordable).
const MAX_PER_WRITER: usize = 5_000;
/// The kill comes once this many messages were acknowledged in total...
const KILL_AFTER_ACKED: usize = 3_000;
/// ...or after this long, whichever is first.
const KILL_AFTER: Duration = Duration::from_millis(1500);

/// Sends messages to `room` one after another until a request fails (the
/// server was killed). Bounded in count and time.
async fn write_until_failure(
    client: Client,
    room: String,
    tag: &'static str,
    acked: Acked,
) -> WriterLog {
    let mut log = WriterLog {
        acked: Vec::new(),
        in_flight: None,
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    for i in 0..MAX_PER_WRITER {
        if Instant::now() > deadline {
            break;
        }
        let body = format!("{tag} {i}");
        let content = json!({"msgtype": "m.text", "body": body});
        let path = complement_tests::rooms::room_path(
            &room,
            &format!("send/m.room.message/{}", next_txn_id()),
        );
        let request = client
            .builder(complement_tests::Method::PUT, &path)
            .json(&content);
        match client.try_send(request).await {
            Ok(response) if response.status == 200 => {
                log.acked.push(body);
                acked.fetch_add(1, Ordering::Relaxed);
            }
            Ok(response) => panic!("send failed before the kill: {response:?}"),
            Err(_) => {
                log.in_flight = Some(body);
                break;
            }
        }
    }
    log
}

fn check_writer(log: &WriterLog, stored: &[String]) {
    let tag = log
        .acked
        .first()
        .and_then(|b| b.split(' ').next())
        .unwrap_or("");
    let stored: Vec<&String> = stored.iter().filter(|b| b.starts_with(tag)).collect();
    let unique: HashSet<&&String> = stored.iter().collect();
    assert_eq!(
        unique.len(),
        stored.len(),
        "duplicate messages after recovery"
    );
    let prefix: Vec<&String> = stored.iter().take(log.acked.len()).copied().collect();
    let acked: Vec<&String> = log.acked.iter().collect();
    assert_eq!(
        prefix, acked,
        "acknowledged messages missing or reordered after SIGKILL"
    );
    let extra: Vec<&&String> = stored.iter().skip(log.acked.len()).collect();
    assert!(
        extra.len() <= 1,
        "more unacknowledged messages than requests in flight: {extra:?}"
    );
    if let Some(extra) = extra.first() {
        assert_eq!(
            Some(**extra),
            log.in_flight.as_ref(),
            "unexpected extra message"
        );
    }
}

/// Runs one writer per (client, room, tag) and SIGKILLs the server under
/// their load; returns each writer's log.
async fn kill_under_load(
    server: &mut TestServer,
    writers: Vec<(Client, String, &'static str)>,
) -> Vec<WriterLog> {
    let acked = Acked::default();
    let tasks: Vec<_> = writers
        .into_iter()
        .map(|(client, room, tag)| {
            tokio::spawn(write_until_failure(client, room, tag, acked.clone()))
        })
        .collect();
    let started = Instant::now();
    while started.elapsed() < KILL_AFTER && acked.load(Ordering::Relaxed) < KILL_AFTER_ACKED {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.kill9();
    let mut logs = Vec::new();
    for task in tasks {
        let log = tokio::time::timeout(Duration::from_secs(60), task)
            .await
            .expect("writer hangs")
            .expect("writer");
        assert!(log.acked.len() >= 5, "too few writes before the kill");
        assert!(
            log.in_flight.is_some(),
            "a writer stopped before the kill: the crash was not under load"
        );
        logs.push(log);
    }
    let counts: Vec<usize> = logs.iter().map(|log| log.acked.len()).collect();
    eprintln!("acknowledged before SIGKILL: {counts:?}");
    logs
}

#[tokio::test]
async fn sigkill_under_load_loses_no_acknowledged_message() {
    crash_under_load(ServerOptions::default()).await;
}

#[tokio::test]
async fn sigkill_under_load_with_fsync_loses_nothing() {
    let fsync = vec![("PLEXUS_FSYNC".to_owned(), "true".to_owned())];
    crash_under_load(ServerOptions {
        extra_env: fsync,
        ..ServerOptions::default()
    })
    .await;
}

/// Two writers in two rooms, SIGKILL under load, restart, then every
/// acknowledged message, the memberships and sync must be intact.
async fn crash_under_load(options: ServerOptions) {
    let mut server = TestServer::start(options).await;
    let anon = server.client();
    let alice = anon.register("alice").await;
    let bob = anon.register("bob").await;
    let room_a = alice.create_room(json!({"preset": "public_chat"})).await;
    let room_b = bob.create_room(json!({"preset": "public_chat"})).await;
    alice.join(&room_b).await;
    let writers = vec![
        (alice.clone(), room_a.clone(), "alpha"),
        (bob.clone(), room_b.clone(), "beta"),
    ];
    let logs = kill_under_load(&mut server, writers).await;
    server.restart().await;

    check_writer(&logs[0], &alice.message_bodies(&room_a).await);
    check_writer(&logs[1], &bob.message_bodies(&room_b).await);
    let mut rooms = alice.joined_rooms().await;
    rooms.sort();
    let mut expected = vec![room_a.clone(), room_b.clone()];
    expected.sort();
    assert_eq!(rooms, expected, "memberships changed by the crash");
    assert_eq!(
        alice
            .membership_of(&room_b, &alice.user_id)
            .await
            .as_deref(),
        Some("join")
    );
    alice.send_text(&room_b, "after crash").await;
    let last = bob.message_bodies(&room_b).await.last().cloned();
    assert_eq!(last.as_deref(), Some("after crash"));
    let body = alice.sync(None, 0, None).await;
    assert!(
        body["rooms"]["join"].get(&room_a).is_some(),
        "room missing from sync after crash"
    );
}

#[tokio::test]
async fn sigkill_when_idle_keeps_state() {
    let mut server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let room = alice.create_room(json!({"name": "Idle"})).await;
    alice.send_text(&room, "written").await;
    server.kill9();
    server.restart().await;
    assert_eq!(alice.whoami().await, alice.user_id);
    assert_eq!(alice.message_bodies(&room).await, ["written"]);
    assert_eq!(
        alice.get_state(&room, "m.room.name", "").await.ok()["name"],
        "Idle"
    );
}

#[tokio::test]
async fn repeated_restarts_keep_state() {
    let mut server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let room = alice.create_room(json!({})).await;
    for round in 0..3 {
        alice.send_text(&room, &format!("round {round}")).await;
        if round % 2 == 0 {
            server.stop();
        } else {
            server.kill9();
        }
        server.restart().await;
    }
    assert_eq!(
        alice.message_bodies(&room).await,
        ["round 0", "round 1", "round 2"]
    );
}

/// Creates rooms (each with a name) until a request fails; returns the
/// acknowledged room IDs. Bounded in count and time.
async fn create_rooms_until_failure(client: Client, acked: Acked) -> Vec<String> {
    let mut rooms = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    for i in 0..2_000 {
        if Instant::now() > deadline {
            break;
        }
        let body = json!({"preset": "public_chat", "name": format!("crash room {i}")});
        let request = client
            .builder(
                complement_tests::Method::POST,
                "/_matrix/client/v3/createRoom",
            )
            .json(&body);
        match client.try_send(request).await {
            Ok(response) if response.status == 200 => {
                rooms.push(
                    response.body["room_id"]
                        .as_str()
                        .expect("room_id")
                        .to_owned(),
                );
                acked.fetch_add(1, Ordering::Relaxed);
            }
            Ok(response) => panic!("createRoom failed before the kill: {response:?}"),
            Err(_) => break,
        }
    }
    rooms
}

#[tokio::test]
async fn sigkill_during_room_creation_keeps_every_acknowledged_room() {
    let mut server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let acked = Acked::default();
    let creator = tokio::spawn(create_rooms_until_failure(alice.clone(), acked.clone()));
    let started = Instant::now();
    while started.elapsed() < KILL_AFTER && acked.load(Ordering::Relaxed) < 200 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.kill9();
    let rooms = tokio::time::timeout(Duration::from_secs(60), creator)
        .await
        .expect("creator hangs")
        .expect("creator");
    assert!(rooms.len() >= 3, "too few rooms before the kill");
    server.restart().await;
    let joined: HashSet<String> = alice.joined_rooms().await.into_iter().collect();
    for (i, room) in rooms.iter().enumerate() {
        assert!(joined.contains(room), "acknowledged room {i} lost");
        let name = alice.get_state(room, "m.room.name", "").await.ok();
        assert_eq!(name["name"], format!("crash room {i}"));
    }
    for room in joined.difference(&rooms.iter().cloned().collect()) {
        let create = alice.get_state(room, "m.room.create", "").await;
        assert_eq!(
            create.status, 200,
            "half-created room {room} after the crash: {create:?}"
        );
    }
}
