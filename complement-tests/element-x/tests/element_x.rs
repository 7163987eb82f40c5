//! The matrix-rust-sdk (the library Element X is built on) against the real
//! plexus binary: two users on two devices each, all syncing through
//! matrix-sdk-ui's `SyncService` (simplified sliding sync: the room list
//! and the encryption sync), see a new room in their room lists, exchange
//! messages, a reaction, an edit and a thread reply, and read an encrypted
//! room on every device.
//!
//! `RUST_LOG=matrix_sdk=debug` shows the SDK's requests;
//! `ELEMENT_X_SERVER_LOG=debug` raises the server's log level (the log is
//! printed when a scenario fails).

#![recursion_limit = "256"]

use std::future::Future;
use std::time::Duration;

use anyhow::Result;
use complement_tests::{ServerOptions, TestServer};
use element_x_tests::timeline::{body, events_with_id, find_text};
use element_x_tests::{wait_for, Cast, Everyone};
use matrix_sdk::room::edit::EditedContent;
use matrix_sdk::ruma::api::client::room::create_room::v3::Request as CreateRoomRequest;
use matrix_sdk::ruma::events::relation::Thread;
use matrix_sdk::ruma::events::room::message::{
    Relation, RoomMessageEventContent, RoomMessageEventContentWithoutRelation,
};
use matrix_sdk::ruma::OwnedRoomId;
use matrix_sdk_ui::timeline::{EventTimelineItem, Timeline, TimelineEventItemId};

/// The bound on a whole scenario (each wait inside is bounded by 30 s).
const SCENARIO_LIMIT: Duration = Duration::from_secs(240);

// Every scenario sends one event at a time and waits until every device
// shows it. matrix-sdk 0.18 saves an event it sent into its event cache at
// once; when a sync then brings an older event the device had not seen
// before its own one comes back, the cache removes and re-inserts its own
// event and the timeline can end up showing it twice and losing another
// (matrix-org/matrix-rust-sdk#6398, element-x-ios#5286). That happens with
// any server; sending one at a time keeps the scenarios about the server.

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn room_list_messages_reaction_edit_thread_on_four_devices() {
    run(|server| async move { plain_room(&server).await }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn encrypted_room_decrypts_on_every_device() {
    run(|server| async move { encrypted_room(&server).await }).await;
}

static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Starts a server, runs `scenario` within [`SCENARIO_LIMIT`] and panics
/// with the server's log when it fails.
async fn run<F, Fut>(scenario: F)
where
    F: FnOnce(std::sync::Arc<TestServer>) -> Fut,
    Fut: Future<Output = Result<()>>,
{
    // One scenario at a time: each runs a server and four SDK clients, and
    // on a 2-core CI machine two at once starve the SDK's own tasks.
    let _serial = SERIAL.lock().await;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let mut options = ServerOptions::default();
    if let Ok(level) = std::env::var("ELEMENT_X_SERVER_LOG") {
        options.extra_env.push(("PLEXUS_LOG_LEVEL".into(), level));
    }
    let server = std::sync::Arc::new(TestServer::start(options).await);
    let outcome = tokio::time::timeout(SCENARIO_LIMIT, scenario(server.clone())).await;
    let failure = match outcome {
        Ok(Ok(())) => return,
        Ok(Err(error)) => format!("{error:#}"),
        Err(_) => format!("scenario did not finish within {SCENARIO_LIMIT:?}"),
    };
    let log = server.log();
    if let Ok(path) = std::env::var("ELEMENT_X_SERVER_LOG_FILE") {
        let _ = std::fs::write(path, &log);
    }
    let tail: Vec<&str> = log
        .lines()
        .rev()
        .take(300)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    panic!("{failure}\n--- server log (tail) ---\n{}", tail.join("\n"));
}

/// alice creates a room and invites bob; every device's room list shows it;
/// bob joins; every device opens the room.
async fn room_with_bob(cast: &Cast, encrypted: bool) -> Result<(OwnedRoomId, Vec<Timeline>)> {
    let mut request = CreateRoomRequest::new();
    request.invite = vec![cast.bob[0].user_id()];
    request.name = Some("Plexus and Element X".to_owned());
    let room = cast.alice[0].client.create_room(request).await?;
    let room_id = room.room_id().to_owned();
    if encrypted {
        room.enable_encryption().await?;
    }
    cast.wait_in_room_lists(&room_id).await?;
    cast.bob[0].client.join_room_by_id(&room_id).await?;
    let mut timelines = Vec::new();
    for device in cast.devices() {
        let (_, timeline) = device.open_joined_room(&room_id).await?;
        timelines.push(timeline);
    }
    Ok((room_id, timelines))
}

async fn plain_room(server: &TestServer) -> Result<()> {
    let cast = Cast::log_in(server).await?;
    let (room_id, timelines) = room_with_bob(&cast, false).await?;
    let everyone = Everyone::new(&cast, &timelines);
    everyone.see_room_loaded(&cast.bob[0].user_id()).await?;
    let [alice_phone, _, bob_phone, bob_desk] =
        [&timelines[0], &timelines[1], &timelines[2], &timelines[3]];

    alice_phone
        .send(RoomMessageEventContent::text_plain("hello bob").into())
        .await?;
    let root = everyone.see_text("hello bob").await?;
    bob_desk
        .send(RoomMessageEventContent::text_plain("hi alice").into())
        .await?;
    everyone.see_text("hi alice").await?;
    let root_item = TimelineEventItemId::EventId(root.clone());

    bob_phone.toggle_reaction(&root_item, "👍").await?;
    let bob = cast.bob[0].user_id();
    let reacted = |item: &EventTimelineItem| {
        item.content()
            .reactions()
            .is_some_and(|r| r.get("👍").is_some_and(|by| by.contains_key(&bob)))
    };
    everyone
        .see("bob's reaction", |items| {
            events_with_id(items, &root).any(reacted).then_some(())
        })
        .await?;
    let edited = RoomMessageEventContentWithoutRelation::text_plain("hello bob (edited)");
    alice_phone
        .edit(&root_item, EditedContent::RoomMessage(edited))
        .await?;
    let shows_edit = |item: &EventTimelineItem| {
        item.content()
            .as_message()
            .is_some_and(|m| m.is_edited() && m.body() == "hello bob (edited)")
    };
    everyone
        .see("the edit", |items| {
            events_with_id(items, &root).any(shows_edit).then_some(())
        })
        .await?;
    let mut reply = RoomMessageEventContent::text_plain("a reply in the thread");
    reply.relates_to = Some(Relation::Thread(Thread::plain(root.clone(), root.clone())));
    bob_desk.send(reply.into()).await?;
    let in_thread = |items: &[EventTimelineItem]| {
        find_text(items, "a reply in the thread")
            .is_some_and(|reply| reply.content().thread_root().as_ref() == Some(&root))
    };
    everyone
        .see("the thread reply", |items| in_thread(items).then_some(()))
        .await?;
    // The room opened afresh (from the SDK's event cache, as Element X
    // reopens it) holds every event once, with the edit, the reaction and
    // the thread: nothing was lost, repeated or undone on any device.
    everyone
        .see_reopened(
            &room_id,
            "each event once, edit, reaction, thread",
            |items| {
                let once = ["hello bob (edited)", "hi alice", "a reply in the thread"]
                    .iter()
                    .all(|text| {
                        items
                            .iter()
                            .filter(|i| body(i).as_deref() == Some(*text))
                            .count()
                            == 1
                    });
                let root_ok = events_with_id(items, &root).all(|i| reacted(i) && shows_edit(i));
                (once && root_ok && in_thread(items)).then_some(())
            },
        )
        .await?;
    cast.stop().await;
    Ok(())
}

async fn encrypted_room(server: &TestServer) -> Result<()> {
    let cast = Cast::log_in(server).await?;
    let (room_id, timelines) = room_with_bob(&cast, true).await?;
    let devices = cast.devices();
    for device in devices {
        let room = device.client.get_room(&room_id).expect("joined");
        // The m.room.encryption event may reach a device after the join.
        wait_for(&format!("{}: room encrypted", device.name), || async {
            match room.latest_encryption_state().await {
                Ok(state) if state.is_encrypted() => Ok(()),
                other => Err(format!("{other:?}")),
            }
        })
        .await?;
    }
    let everyone = Everyone::new(&cast, &timelines);
    everyone.see_room_loaded(&cast.bob[0].user_id()).await?;
    for (device, timeline) in devices.iter().zip(&timelines) {
        let text = format!("secret from {}", device.name);
        timeline
            .send(RoomMessageEventContent::text_plain(text.as_str()).into())
            .await?;
        everyone
            .see(&format!("{text:?} decrypted"), |items| {
                find_text(items, &text)
                    .filter(|item| item.encryption_info().is_some() && body(item).is_some())
                    .map(|_| ())
            })
            .await?;
    }
    cast.stop().await;
    Ok(())
}
