//! [`Everyone`]: the four devices of a scenario with their open timelines
//! of its room, and waits that hold only once every device shows something.

use anyhow::{Context, Result};
use matrix_sdk::ruma::{OwnedEventId, RoomId, UserId};
use matrix_sdk_ui::timeline::{EventTimelineItem, RoomExt, Timeline};

use crate::timeline::{find_text, wait_items};
use crate::{Cast, Device};

/// Every device of a scenario with its open timeline of the room.
pub struct Everyone<'a> {
    devices: [&'a Device; 4],
    timelines: &'a [Timeline],
}

impl<'a> Everyone<'a> {
    pub fn new(cast: &'a Cast, timelines: &'a [Timeline]) -> Self {
        Everyone {
            devices: cast.devices(),
            timelines,
        }
    }

    /// Waits until `check` holds on every device's timeline; returns what
    /// it found on the last device.
    pub async fn see<T>(
        &self,
        what: &str,
        check: impl Fn(&[EventTimelineItem]) -> Option<T>,
    ) -> Result<T> {
        let mut found = None;
        for (device, timeline) in self.devices.iter().zip(self.timelines) {
            device.check_sync_running()?;
            found = Some(wait_items(&device.name, what, timeline, &check).await?);
        }
        Ok(found.expect("four devices"))
    }

    /// Like [`Everyone::see`], on a timeline each device opens anew.
    pub async fn see_reopened<T>(
        &self,
        room_id: &RoomId,
        what: &str,
        check: impl Fn(&[EventTimelineItem]) -> Option<T>,
    ) -> Result<T> {
        let mut found = None;
        for device in self.devices {
            device.check_sync_running()?;
            let room = device.client.get_room(room_id).context("room unknown")?;
            let timeline = room.timeline().await?;
            found = Some(wait_items(&device.name, what, &timeline, &check).await?);
        }
        Ok(found.expect("four devices"))
    }

    /// Waits until every device's timeline holds the room from its creation
    /// to bob's join: the room subscription's larger timeline has arrived
    /// (the room list sends one event per room), as a user sees the room
    /// before typing.
    pub async fn see_room_loaded(&self, bob: &UserId) -> Result<()> {
        self.see("the room from its creation to bob's join", |items| {
            let has = |sender: Option<&UserId>, kind: &str| {
                items.iter().any(|item| {
                    sender.is_none_or(|s| item.sender() == s)
                        && item.content().event_type_str().as_deref() == Some(kind)
                })
            };
            (has(None, "m.room.create") && has(Some(bob), "m.room.member")).then_some(())
        })
        .await
    }

    /// Waits until every device shows a remote message with `text`; returns its event ID.
    pub async fn see_text(&self, text: &str) -> Result<OwnedEventId> {
        self.see(&format!("message {text:?}"), |items| {
            find_text(items, text)
                .and_then(|item| item.event_id())
                .map(ToOwned::to_owned)
        })
        .await
    }
}
