//! The caller's devices: list, read, rename, and delete (with the password,
//! through user-interactive authentication).

mod delete_device;
mod delete_devices;
mod get_device;
mod get_devices;
mod update_device;

use axum::Router;
use plexus_service::users::DeviceInfo;
use ruma::{api::client::device::Device, MilliSecondsSinceUnixEpoch, OwnedDeviceId, UInt};

use crate::{router::RouterExt, AppState};

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    router
        .ruma(get_devices::get_devices)
        .ruma(get_device::get_device)
        .ruma(update_device::update_device)
        .ruma(delete_device::delete_device)
        .ruma(delete_devices::delete_devices)
}

/// A stored device as the client API shows it.
fn to_device(info: DeviceInfo) -> Device {
    let mut device = Device::new(OwnedDeviceId::from(info.device_id));
    device.display_name = info.display_name;
    device.last_seen_ip = info.last_seen_ip;
    device.last_seen_ts = info
        .last_seen_ts
        .and_then(UInt::new)
        .map(MilliSecondsSinceUnixEpoch);
    device
}
