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
use element_x_tests::timeline::{body, find_event, find_text, wait_items};
use element_x_tests::{wait_for, Cast, Device};
use matrix_sdk::room::edit::EditedContent;
use matrix_sdk::ruma::api::client::room::create_room::v3::Request as CreateRoomRequest;
use matrix_sdk::ruma::events::relation::Thread;
use matrix_sdk::ruma::events::room::message::{
    Relation, RoomMessageEventContent, RoomMessageEventContentWithoutRelation,
};
use matrix_sdk::ruma::{OwnedEventId, OwnedRoomId};
use matrix_sdk_ui::timeline::{Timeline, TimelineEventItemId};

/// The bound on a whole scenario (each wait inside is bounded by 30 s).
const SCENARIO_LIMIT: Duration = Duration::from_secs(240);

// Ignored until a sliding sync bug is fixed: in about 3 runs of 10 one
// device's timeline shows some events twice and never receives a later
// message (see the commit that added this test). Run with `--ignored`.
#[ignore = "intermittent: a device's sliding sync timeline repeats events and misses a later one"]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn room_list_messages_reaction_edit_thread_on_four_devices() {
    run(|server| async move { plain_room(&server).await }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn encrypted_room_decrypts_on_every_device() {
    run(|server| async move { encrypted_room(&server).await }).await;
}

/// Starts a server, runs `scenario` within [`SCENARIO_LIMIT`] and panics
/// with the server's log when it fails.
async fn run<F, Fut>(scenario: F)
where
    F: FnOnce(std::sync::Arc<TestServer>) -> Fut,
    Fut: Future<Output = Result<()>>,
{
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
    let (_room_id, timelines) = room_with_bob(&cast, false).await?;
    let devices = cast.devices();
    let [alice_phone, _, bob_phone, bob_desk] =
        [&timelines[0], &timelines[1], &timelines[2], &timelines[3]];

    alice_phone
        .send(RoomMessageEventContent::text_plain("hello bob").into())
        .await?;
    bob_desk
        .send(RoomMessageEventContent::text_plain("hi alice").into())
        .await?;
    let mut root = None;
    for (device, timeline) in devices.iter().zip(&timelines) {
        let found = wait_for_texts(device, timeline, &["hello bob", "hi alice"]).await?;
        root = Some(found[0].clone());
    }
    let root = root.expect("four devices");
    let root_item = TimelineEventItemId::EventId(root.clone());

    bob_phone.toggle_reaction(&root_item, "👍").await?;
    let edited = RoomMessageEventContentWithoutRelation::text_plain("hello bob (edited)");
    alice_phone
        .edit(&root_item, EditedContent::RoomMessage(edited))
        .await?;
    let mut reply = RoomMessageEventContent::text_plain("a reply in the thread");
    reply.relates_to = Some(Relation::Thread(Thread::plain(root.clone(), root.clone())));
    bob_desk.send(reply.into()).await?;

    for (device, timeline) in devices.iter().zip(&timelines) {
        wait_for_relations(device, timeline, &root, &cast.bob[0].user_id()).await?;
    }
    cast.stop().await;
    Ok(())
}

/// Waits until `timeline` shows a remote message for each of `texts`;
/// returns their event ids in order.
async fn wait_for_texts(
    device: &Device,
    timeline: &Timeline,
    texts: &[&str],
) -> Result<Vec<OwnedEventId>> {
    device.check_sync_running()?;
    wait_items(
        &device.name,
        &format!("messages {texts:?}"),
        timeline,
        |items| {
            texts
                .iter()
                .map(|text| {
                    find_text(items, text)
                        .and_then(|item| item.event_id())
                        .map(ToOwned::to_owned)
                })
                .collect()
        },
    )
    .await
}

/// Waits until the root message shows the edit and bob's reaction, and the
/// thread reply shows in its thread.
async fn wait_for_relations(
    device: &Device,
    timeline: &Timeline,
    root: &OwnedEventId,
    bob: &matrix_sdk::ruma::UserId,
) -> Result<()> {
    device.check_sync_running()?;
    wait_items(
        &device.name,
        "edit, reaction and thread reply",
        timeline,
        |items| {
            let root_item = find_event(items, root)?;
            let message = root_item.content().as_message()?;
            let edited = message.is_edited() && message.body() == "hello bob (edited)";
            let reacted = root_item
                .content()
                .reactions()?
                .get("👍")
                .is_some_and(|by| by.contains_key(bob));
            let threaded = find_text(items, "a reply in the thread")
                .is_some_and(|reply| reply.content().thread_root().as_ref() == Some(root));
            (edited && reacted && threaded).then_some(())
        },
    )
    .await
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
    let texts: Vec<String> = devices
        .iter()
        .map(|device| format!("secret from {}", device.name))
        .collect();
    for (timeline, text) in timelines.iter().zip(&texts) {
        timeline
            .send(RoomMessageEventContent::text_plain(text.as_str()).into())
            .await?;
    }
    for (device, timeline) in devices.iter().zip(&timelines) {
        device.check_sync_running()?;
        wait_items(&device.name, "every message decrypted", timeline, |items| {
            texts
                .iter()
                .all(|text| {
                    find_text(items, text).is_some_and(|item| {
                        item.encryption_info().is_some() && body(item).is_some()
                    })
                })
                .then_some(())
        })
        .await?;
    }
    cast.stop().await;
    Ok(())
}
