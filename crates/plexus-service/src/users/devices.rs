//! Listing, renaming and deleting devices. Deleting a device revokes its
//! tokens and removes its end-to-end encryption keys and queued messages.

use plexus_storage::{Direction, Json};
use ruma::UserId;

use crate::{
    tables::{AccessTokens, Devices, RefreshTokens},
    Result, ServiceError, Services,
};

#[derive(Clone, Debug)]
pub struct DeviceInfo {
    pub device_id: String,
    pub display_name: Option<String>,
    pub last_seen_ts: Option<u64>,
    pub last_seen_ip: Option<String>,
}

impl Services {
    pub fn devices(&self, user_id: &UserId) -> Result<Vec<DeviceInfo>> {
        self.db
            .scan::<Devices, _>(&(user_id.to_string(),), Direction::Forward)?
            .map(|row| {
                let ((_, device_id), Json(record)) = row?;
                Ok(DeviceInfo {
                    device_id,
                    display_name: record.display_name,
                    last_seen_ts: record.last_seen_ts,
                    last_seen_ip: record.last_seen_ip,
                })
            })
            .collect()
    }

    pub fn device(&self, user_id: &UserId, device_id: &str) -> Result<DeviceInfo> {
        let record = self
            .db
            .get::<Devices>(&(user_id.to_string(), device_id.to_owned()))?
            .ok_or_else(|| ServiceError::not_found("no such device"))?
            .0;
        Ok(DeviceInfo {
            device_id: device_id.to_owned(),
            display_name: record.display_name,
            last_seen_ts: record.last_seen_ts,
            last_seen_ip: record.last_seen_ip,
        })
    }

    pub fn rename_device(
        &self,
        user_id: &UserId,
        device_id: &str,
        name: Option<String>,
    ) -> Result<()> {
        let key = (user_id.to_string(), device_id.to_owned());
        let mut record = self
            .db
            .get::<Devices>(&key)?
            .ok_or_else(|| ServiceError::not_found("no such device"))?
            .0;
        record.display_name = name;
        self.db.put::<Devices>(&key, &Json(record))?;
        Ok(())
    }

    /// Removes the device and its tokens in one batch. Unknown devices are not an error.
    pub fn delete_device(&self, user_id: &UserId, device_id: &str) -> Result<()> {
        let key = (user_id.to_string(), device_id.to_owned());
        let Some(Json(record)) = self.db.get::<Devices>(&key)? else {
            return Ok(());
        };
        let mut batch = self.db.batch();
        batch.delete::<Devices>(&key)?;
        batch.delete::<AccessTokens>(&record.access_token)?;
        if let Some(refresh) = &record.refresh_token {
            batch.delete::<RefreshTokens>(refresh)?;
        }
        // Its keys and queued to-device messages go too; other users' clients
        // learn of the removal through the device-list change.
        let slot = self.stream.allocate(&self.db)?;
        self.stage_device_e2ee_removal(&mut batch, user_id, device_id, slot.position())?;
        self.stage_sliding_sync_removal(&mut batch, user_id, device_id)?;
        self.db.write(batch)?;
        drop(slot);
        Ok(())
    }
}
