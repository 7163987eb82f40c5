//! [`Device`]: one user's session on one device, as Element X runs it — a
//! `matrix_sdk::Client` with in-memory stores whose `SyncService` drives the
//! room list and the encryption sync over simplified sliding sync.

use anyhow::{anyhow, bail, Context, Result};
use futures_util::{pin_mut, StreamExt};
use matrix_sdk::ruma::{OwnedUserId, RoomId};
use matrix_sdk::sliding_sync::VersionBuilder;
use matrix_sdk::{Client, Room, RoomState};
use matrix_sdk_ui::eyeball_im::Vector;
use matrix_sdk_ui::room_list_service::filters::new_filter_non_left;
use matrix_sdk_ui::sync_service::{State, SyncService};
use matrix_sdk_ui::timeline::{RoomExt, Timeline};

use crate::wait::{wait_for, WAIT};

/// A logged-in client with its sync running.
pub struct Device {
    pub name: String,
    pub client: Client,
    pub sync: SyncService,
}

impl Device {
    /// Logs `localpart` in as device `device_id` on `base_url` and starts its
    /// `SyncService`. The client discovers simplified sliding sync from
    /// `/versions`, as Element X does, so a server that does not advertise
    /// it fails here.
    pub async fn login(
        base_url: &str,
        localpart: &str,
        password: &str,
        device_id: &str,
    ) -> Result<Device> {
        let name = format!("{localpart}/{device_id}");
        let client = Client::builder()
            .homeserver_url(base_url)
            .sliding_sync_version_builder(VersionBuilder::DiscoverNative)
            .build()
            .await
            .with_context(|| format!("{name}: building the client (sliding sync discovery)"))?;
        client
            .matrix_auth()
            .login_username(localpart, password)
            .device_id(device_id)
            .initial_device_display_name(&name)
            .send()
            .await
            .with_context(|| format!("{name}: login"))?;
        let sync = SyncService::builder(client.clone())
            .build()
            .await
            .with_context(|| format!("{name}: building the sync service"))?;
        sync.start().await;
        Ok(Device { name, client, sync })
    }

    pub fn user_id(&self) -> OwnedUserId {
        self.client.user_id().expect("logged in").to_owned()
    }

    /// Fails if the sync service stopped on an error (its state is the only
    /// report the SDK gives of a failed sliding sync request).
    pub fn check_sync_running(&self) -> Result<()> {
        match self.sync.state().get() {
            State::Error(error) => bail!("{}: sync service failed: {error:?}", self.name),
            _ => Ok(()),
        }
    }

    /// Waits until the room list (the `RoomListService`'s all-rooms list with
    /// Element X's default non-left filter) contains `room_id`.
    pub async fn wait_in_room_list(&self, room_id: &RoomId) -> Result<()> {
        let service = self.sync.room_list_service();
        let list = service.all_rooms().await?;
        let (stream, controller) = list.entries_with_dynamic_adapters(100);
        controller.set_filter(Box::new(new_filter_non_left()));
        pin_mut!(stream);
        let mut rooms = Vector::new();
        let seen = tokio::time::timeout(WAIT, async {
            while let Some(diffs) = stream.next().await {
                for diff in diffs {
                    diff.apply(&mut rooms);
                }
                if rooms.iter().any(|room| room.room_id() == room_id) {
                    return true;
                }
            }
            false
        })
        .await;
        self.check_sync_running()?;
        match seen {
            Ok(true) => Ok(()),
            Ok(false) => bail!(
                "{}: room list stream ended before {room_id} showed",
                self.name
            ),
            Err(_) => bail!(
                "{}: {room_id} not in the room list within {WAIT:?}",
                self.name
            ),
        }
    }

    /// Waits until this device knows `room_id` as joined, then opens it as
    /// Element X opens a room: a room subscription and a live timeline.
    pub async fn open_joined_room(&self, room_id: &RoomId) -> Result<(Room, Timeline)> {
        let room = wait_for(&format!("{}: {room_id} joined", self.name), || async {
            match self.client.get_room(room_id) {
                Some(room) if room.state() == RoomState::Joined => Ok(room),
                Some(room) => Err(format!("state {:?}", room.state())),
                None => Err("room unknown".to_owned()),
            }
        })
        .await?;
        self.sync
            .room_list_service()
            .subscribe_to_rooms(&[room_id])
            .await;
        let timeline = room
            .timeline()
            .await
            .map_err(|error| anyhow!("{}: timeline of {room_id}: {error}", self.name))?;
        Ok((room, timeline))
    }

    /// Stops the sync service (its tasks would otherwise outlive the server).
    pub async fn stop(&self) {
        self.sync.stop().await;
    }
}
