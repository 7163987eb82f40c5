//! End-to-end encryption support: device keys, one-time and fallback keys,
//! cross-signing, key backup, to-device messages and device-list changes.
//! The server never sees plaintext; it stores and moves keys.
//!
//! Where keys live: see the `E2e*` tables in [`crate::tables`]. Every
//! change to a user's device or cross-signing keys writes an
//! `E2eKeyChanges` row at a fresh stream position in the same batch, which
//! is how `/sync` and `/keys/changes` learn about it.

pub mod backup;
pub mod cross_signing;
pub mod dehydrated;
pub mod device_keys;
pub mod device_lists;
pub mod federated;
pub mod one_time;
pub mod signing;
pub mod to_device;

#[cfg(test)]
mod tests;

use plexus_storage::{Batch, Direction};
use ruma::UserId;
use serde_json::Value;

use crate::{
    tables::{E2eDeviceKeys, E2eFallbackKeys, E2eKeySignatures, E2eOneTimeKeys},
    Result, Services,
};

/// The E2EE parts of a `/sync` response.
#[derive(Debug, Default)]
pub struct E2eeSync {
    pub to_device: Vec<Value>,
    pub device_lists_changed: Vec<String>,
    pub device_lists_left: Vec<String>,
    pub one_time_keys_count: serde_json::Map<String, Value>,
    pub unused_fallback_key_types: Vec<String>,
}

impl E2eeSync {
    /// Whether this alone is worth answering a long-poll for.
    pub fn has_news(&self) -> bool {
        !self.to_device.is_empty()
            || !self.device_lists_changed.is_empty()
            || !self.device_lists_left.is_empty()
    }
}

impl Services {
    /// What `device` of `user` should receive in a sync covering (since, current].
    /// A sync with `since` acknowledges the to-device messages delivered up to it.
    pub fn e2ee_sync(
        &self,
        user: &UserId,
        device: &str,
        since: Option<u64>,
        current: u64,
    ) -> Result<E2eeSync> {
        let to_device = self.to_device_for_sync(user, device, since, current)?;
        let lists = match since {
            Some(since) => self.device_list_changes(user, since, current)?,
            None => Default::default(),
        };
        Ok(E2eeSync {
            to_device,
            device_lists_changed: lists.changed,
            device_lists_left: lists.left,
            one_time_keys_count: self.one_time_key_counts(user, device)?,
            unused_fallback_key_types: self.unused_fallback_key_types(user, device)?,
        })
    }

    /// Stages the removal of everything E2EE a device owns (keys, queued
    /// messages, signatures on its keys) and records a device-list change at `position`.
    pub(crate) fn stage_device_e2ee_removal(
        &self,
        batch: &mut Batch<'_>,
        user: &UserId,
        device: &str,
        position: u64,
    ) -> Result<()> {
        let prefix = (user.to_string(), device.to_owned());
        batch.delete::<E2eDeviceKeys>(&prefix)?;
        for row in self
            .db
            .scan::<E2eOneTimeKeys, _>(&prefix, Direction::Forward)?
        {
            batch.delete::<E2eOneTimeKeys>(&row?.0)?;
        }
        for row in self
            .db
            .scan::<E2eFallbackKeys, _>(&prefix, Direction::Forward)?
        {
            batch.delete::<E2eFallbackKeys>(&row?.0)?;
        }
        for row in self
            .db
            .scan::<E2eKeySignatures, _>(&prefix, Direction::Forward)?
        {
            batch.delete::<E2eKeySignatures>(&row?.0)?;
        }
        self.delete_to_device_queue(batch, user, device)?;
        self.outbox_device_change(batch, user, device, None)?;
        device_lists::note_key_change(batch, position, user.as_str())
    }
}
