//! Dehydrated devices (MSC3814): one offline device per user whose private
//! keys the client stores encrypted in `device_data`. Others encrypt to it
//! like to any device; a new session of the user later fetches its queued
//! to-device messages page by page, then replaces it.
//!
//! The device is an ordinary row of `devices` (without an access token)
//! plus `e2e_dehydrated_devices[user]`; creating one replaces the previous
//! one in the same batch.

use plexus_storage::{Batch, Direction, Json};
use ruma::UserId;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::{
    records::DeviceRecord,
    sync::{make_token, parse_token},
    tables::{Devices, E2eDehydratedDevices, E2eToDevice},
    Result, ServiceError, Services,
};

/// Messages handed out per `/dehydrated_device/{id}/events` call.
const EVENTS_PAGE: usize = 100;

/// The user's dehydrated device: its ID and the client's encrypted pickle.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DehydratedDeviceRecord {
    pub device_id: String,
    pub device_data: Value,
}

impl Services {
    /// Creates the user's dehydrated device from a MSC3814 PUT body (with its
    /// keys), replacing any previous one. Returns the device ID.
    pub fn put_dehydrated_device(&self, user: &UserId, body: &Value) -> Result<String> {
        let device_id = body
            .get("device_id")
            .and_then(Value::as_str)
            .filter(|d| !d.is_empty());
        let device_id =
            device_id.ok_or_else(|| ServiceError::MissingParam("device_id is required".into()))?;
        let device_data = body.get("device_data").filter(|d| d.is_object());
        let device_data = device_data
            .ok_or_else(|| ServiceError::MissingParam("device_data is required".into()))?;
        let mut previous = self.dehydrated_device(user)?;
        if previous.as_ref().is_some_and(|p| p.device_id == device_id) {
            // Re-using the ID: staged deletions and re-puts of the same keys would
            // collide in one batch, so the old device goes first (a crash in between
            // leaves no dehydrated device, which clients simply recreate).
            self.delete_dehydrated_device(user)?;
            previous = None;
        }
        if self
            .db
            .contains::<Devices>(&(user.to_string(), device_id.to_owned()))?
        {
            return Err(ServiceError::invalid(
                "a device with this ID already exists",
            ));
        }
        let mut batch = self.db.batch();
        let removal = match &previous {
            Some(old) => Some(self.stage_dehydrated_removal(&mut batch, user, old)?),
            None => None,
        };
        let display_name = body
            .get("initial_device_display_name")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let device = DeviceRecord {
            display_name,
            ..Default::default()
        };
        batch.put::<Devices>(&(user.to_string(), device_id.to_owned()), &Json(device))?;
        let record = DehydratedDeviceRecord {
            device_id: device_id.to_owned(),
            device_data: device_data.clone(),
        };
        batch.put::<E2eDehydratedDevices>(&user.to_string(), &Json(record))?;
        let keys_slot = self.stage_key_upload(&mut batch, user, device_id, body)?;
        self.db.write(batch)?;
        drop((removal, keys_slot)); // publish the key changes once durable
        Ok(device_id.to_owned())
    }

    /// The user's dehydrated device, if it still exists.
    pub fn dehydrated_device(&self, user: &UserId) -> Result<Option<DehydratedDeviceRecord>> {
        let Some(Json(record)) = self.db.get::<E2eDehydratedDevices>(&user.to_string())? else {
            return Ok(None);
        };
        // Deleted through /devices: the record is stale.
        let exists = self
            .db
            .contains::<Devices>(&(user.to_string(), record.device_id.clone()))?;
        Ok(exists.then_some(record))
    }

    /// Deletes the user's dehydrated device; returns its ID.
    pub fn delete_dehydrated_device(&self, user: &UserId) -> Result<String> {
        let record = self
            .dehydrated_device(user)?
            .ok_or_else(|| ServiceError::not_found("no dehydrated device"))?;
        let mut batch = self.db.batch();
        let slot = self.stage_dehydrated_removal(&mut batch, user, &record)?;
        self.db.write(batch)?;
        drop(slot);
        Ok(record.device_id)
    }

    fn stage_dehydrated_removal(
        &self,
        batch: &mut Batch<'_>,
        user: &UserId,
        record: &DehydratedDeviceRecord,
    ) -> Result<crate::stream::Slot<'_>> {
        let slot = self.stream.allocate(&self.db)?;
        batch.delete::<Devices>(&(user.to_string(), record.device_id.clone()))?;
        batch.delete::<E2eDehydratedDevices>(&user.to_string())?;
        self.stage_device_e2ee_removal(batch, user, &record.device_id, slot.position())?;
        Ok(slot)
    }

    /// One page of the dehydrated device's to-device messages after
    /// `next_batch` (those up to it are acknowledged and deleted):
    /// `{events, next_batch}`.
    pub fn dehydrated_device_events(
        &self,
        user: &UserId,
        device_id: &str,
        next_batch: Option<&str>,
    ) -> Result<Value> {
        let is_dehydrated = self
            .dehydrated_device(user)?
            .is_some_and(|d| d.device_id == device_id);
        if !is_dehydrated {
            return Err(ServiceError::forbidden("not your dehydrated device"));
        }
        let since = match next_batch {
            Some(token) => Some(
                parse_token(token).ok_or_else(|| ServiceError::invalid("invalid next_batch"))?,
            ),
            None => None,
        };
        let prefix = (user.to_string(), device_id.to_owned());
        let mut batch = self.db.batch();
        let (mut events, mut last) = (Vec::new(), since.unwrap_or(0));
        for row in self
            .db
            .scan::<E2eToDevice, _>(&prefix, Direction::Forward)?
        {
            let (key, Json(event)) = row?;
            if since.is_some_and(|s| key.2 <= s) {
                batch.delete::<E2eToDevice>(&key)?;
            } else if events.len() < EVENTS_PAGE && key.2 <= self.stream.current() {
                last = key.2;
                events.push(event);
            } else {
                break;
            }
        }
        if !batch.is_empty() {
            self.db.write(batch)?;
        }
        Ok(json!({ "events": events, "next_batch": make_token(last) }))
    }
}
