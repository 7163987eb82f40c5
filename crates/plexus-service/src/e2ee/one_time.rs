//! One-time and fallback keys: uploaded by a device, claimed by others to
//! start an Olm session. Each one-time key is handed out once (deleted in
//! the claiming batch); when none is left the fallback key is handed out
//! and marked used, and stays available until the device replaces it.

use plexus_storage::{Batch, Direction, Json};
use ruma::UserId;
use serde_json::{json, Map, Value};

use crate::{
    records::FallbackKeyRecord,
    tables::{E2eFallbackKeys, E2eOneTimeKeys},
    Result, ServiceError, Services,
};

/// Serializes claims: without it two claimers could read the same key before either deletes it.
const CLAIM_LOCK: &str = "\0e2ee:keys-claim";

/// Splits `signed_curve25519:AAAAHg` into (algorithm, key ID).
fn split_key_id(id: &str) -> Result<(String, String)> {
    id.split_once(':')
        .filter(|(alg, key)| !alg.is_empty() && !key.is_empty())
        .map(|(alg, key)| (alg.to_owned(), key.to_owned()))
        .ok_or_else(|| ServiceError::invalid(format!("key ID {id} is not <algorithm>:<id>")))
}

impl Services {
    /// Adds one-time keys to `batch`; re-uploading a stored key is a no-op,
    /// reusing its ID for another key an error.
    pub(crate) fn stage_one_time_keys(
        &self,
        batch: &mut Batch<'_>,
        user: &UserId,
        device: &str,
        keys: &Map<String, Value>,
    ) -> Result<()> {
        for (id, key) in keys {
            let (algorithm, key_id) = split_key_id(id)?;
            let row = (user.to_string(), device.to_owned(), algorithm, key_id);
            match self.db.get::<E2eOneTimeKeys>(&row)? {
                None => batch.put::<E2eOneTimeKeys>(&row, &Json(key.clone()))?,
                // A retried upload is fine; reusing a key ID for another key is a client bug.
                Some(Json(old)) if old == *key => {}
                Some(_) => {
                    return Err(ServiceError::invalid(format!(
                        "one-time key {id} already exists with other content"
                    )))
                }
            }
        }
        Ok(())
    }

    /// Adds fallback keys to `batch`, replacing the previous one of each algorithm.
    pub(crate) fn stage_fallback_keys(
        &self,
        batch: &mut Batch<'_>,
        user: &UserId,
        device: &str,
        keys: &Map<String, Value>,
    ) -> Result<()> {
        for (id, key) in keys {
            let (algorithm, key_id) = split_key_id(id)?;
            let row = (user.to_string(), device.to_owned(), algorithm);
            let existing = self.db.get::<E2eFallbackKeys>(&row)?;
            // Re-uploading the same key must not reset its "used" flag.
            if existing.is_some_and(|Json(old)| old.key_id == key_id && old.key == *key) {
                continue;
            }
            let record = FallbackKeyRecord {
                key_id,
                key: key.clone(),
                used: false,
            };
            batch.put::<E2eFallbackKeys>(&row, &Json(record))?;
        }
        Ok(())
    }

    /// Unclaimed one-time keys per algorithm; `signed_curve25519` is always present.
    pub fn one_time_key_counts(&self, user: &UserId, device: &str) -> Result<Map<String, Value>> {
        let mut counts = Map::from_iter([("signed_curve25519".to_owned(), json!(0))]);
        let prefix = (user.to_string(), device.to_owned());
        for row in self
            .db
            .scan::<E2eOneTimeKeys, _>(&prefix, Direction::Forward)?
        {
            let ((_, _, algorithm, _), _) = row?;
            let count = counts.entry(algorithm).or_insert(json!(0));
            *count = json!(count.as_u64().unwrap_or(0) + 1);
        }
        Ok(counts)
    }

    /// Algorithms whose fallback key has not been claimed since upload.
    pub fn unused_fallback_key_types(&self, user: &UserId, device: &str) -> Result<Vec<String>> {
        let prefix = (user.to_string(), device.to_owned());
        let mut types = Vec::new();
        for row in self
            .db
            .scan::<E2eFallbackKeys, _>(&prefix, Direction::Forward)?
        {
            let ((_, _, algorithm), Json(record)) = row?;
            if !record.used {
                types.push(algorithm);
            }
        }
        Ok(types)
    }

    /// Claims one key per requested (user, device, algorithm):
    /// `{user: {device: {"alg:id": key}}}`. Devices without keys are left out.
    pub async fn claim_keys(&self, request: &Value) -> Result<Value> {
        let users = request
            .as_object()
            .ok_or_else(|| ServiceError::BadJson("one_time_keys must be an object".into()))?;
        let lock = self.room_lock(CLAIM_LOCK);
        let _guard = lock.lock().await;
        let mut claimed = Map::new();
        let mut batch = self.db.batch();
        for (user, devices) in users {
            let Ok(user_id) = UserId::parse(user) else {
                continue;
            };
            let mut per_device = Map::new();
            for (device, algorithm) in devices.as_object().into_iter().flatten() {
                let algorithm = algorithm.as_str().unwrap_or_default();
                if let Some((id, key)) = self.claim_one(&mut batch, &user_id, device, algorithm)? {
                    per_device.insert(device.clone(), json!({ id: key }));
                }
            }
            if !per_device.is_empty() {
                claimed.insert(user.clone(), Value::Object(per_device));
            }
        }
        self.db.write(batch)?;
        Ok(Value::Object(claimed))
    }

    /// The first one-time key of the algorithm (deleted in `batch`), else the fallback key (marked used).
    fn claim_one(
        &self,
        batch: &mut Batch<'_>,
        user: &UserId,
        device: &str,
        algorithm: &str,
    ) -> Result<Option<(String, Value)>> {
        let prefix = (user.to_string(), device.to_owned(), algorithm.to_owned());
        if let Some(row) = self
            .db
            .scan::<E2eOneTimeKeys, _>(&prefix, Direction::Forward)?
            .next()
        {
            let (key, Json(value)) = row?;
            batch.delete::<E2eOneTimeKeys>(&key)?;
            return Ok(Some((format!("{algorithm}:{}", key.3), value)));
        }
        let Some(Json(mut fallback)) = self.db.get::<E2eFallbackKeys>(&prefix)? else {
            return Ok(None);
        };
        let id = format!("{algorithm}:{}", fallback.key_id);
        let key = fallback.key.clone();
        if !fallback.used {
            fallback.used = true;
            batch.put::<E2eFallbackKeys>(&prefix, &Json(fallback))?;
        }
        Ok(Some((id, key)))
    }
}
