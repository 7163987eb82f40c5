//! [`Cast`]: the two users of the scenarios, alice and bob, each logged in
//! on two devices, every device syncing.

use anyhow::Result;
use complement_tests::{TestServer, PASSWORD};
use matrix_sdk::ruma::RoomId;

use crate::device::Device;

pub struct Cast {
    pub alice: [Device; 2],
    pub bob: [Device; 2],
}

impl Cast {
    /// Registers alice and bob on `server` and logs each in on two devices.
    pub async fn log_in(server: &TestServer) -> Result<Cast> {
        let url = server.base_url();
        server.client().register_with("alice", PASSWORD).await;
        server.client().register_with("bob", PASSWORD).await;
        let (a1, a2, b1, b2) = tokio::try_join!(
            Device::login(&url, "alice", PASSWORD, "ALICEPHONE"),
            Device::login(&url, "alice", PASSWORD, "ALICEDESK"),
            Device::login(&url, "bob", PASSWORD, "BOBPHONE"),
            Device::login(&url, "bob", PASSWORD, "BOBDESK"),
        )?;
        Ok(Cast {
            alice: [a1, a2],
            bob: [b1, b2],
        })
    }

    /// All four devices: alice's two, then bob's two.
    pub fn devices(&self) -> [&Device; 4] {
        [&self.alice[0], &self.alice[1], &self.bob[0], &self.bob[1]]
    }

    /// Waits until every device's room list shows `room_id`.
    pub async fn wait_in_room_lists(&self, room_id: &RoomId) -> Result<()> {
        for device in self.devices() {
            device.wait_in_room_list(room_id).await?;
        }
        Ok(())
    }

    pub async fn stop(&self) {
        for device in self.devices() {
            device.stop().await;
        }
    }
}
