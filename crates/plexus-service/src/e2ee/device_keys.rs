//! `/keys/upload` and `/keys/query`: a device's identity keys (checked
//! against the caller and their own self-signature), and the rendering of
//! device and cross-signing keys with the signatures visible to the caller.

use plexus_storage::{Batch, Direction, Json};
use ruma::UserId;
use serde_json::{json, Map, Value};

use super::{
    device_lists::note_key_change,
    signing::{key_name, verify_signed_by},
};
use crate::{
    stream::Slot,
    tables::{E2eCrossSigningKeys, E2eDeviceKeys, E2eKeySignatures},
    Result, ServiceError, Services,
};

/// Fields of `/keys/upload` that carry fallback keys (stable and MSC2732 names).
const FALLBACK_FIELDS: [&str; 2] = ["fallback_keys", "org.matrix.msc2732.fallback_keys"];

/// Checks that device keys belong to the caller's device and are signed by their own ed25519 key.
pub fn validate_device_keys(user: &UserId, device: &str, keys: &Value) -> Result<()> {
    if keys.get("user_id").and_then(Value::as_str) != Some(user.as_str()) {
        return Err(ServiceError::invalid(
            "device_keys.user_id does not match the caller",
        ));
    }
    if keys.get("device_id").and_then(Value::as_str) != Some(device) {
        return Err(ServiceError::invalid(
            "device_keys.device_id does not match the caller's device",
        ));
    }
    if !keys.get("algorithms").is_some_and(Value::is_array) {
        return Err(ServiceError::invalid(
            "device_keys.algorithms must be a list",
        ));
    }
    let key_id = format!("ed25519:{device}");
    let public = keys
        .get("keys")
        .and_then(|k| k.get(&key_id))
        .and_then(Value::as_str)
        .ok_or_else(|| ServiceError::invalid(format!("device_keys.keys lacks {key_id}")))?;
    verify_signed_by(keys, user.as_str(), &key_id, public)
}

impl Services {
    /// Stores the caller's device keys, one-time keys and fallback keys in one
    /// batch; returns the one-time key counts.
    pub fn upload_keys(
        &self,
        user: &UserId,
        device: &str,
        body: &Value,
    ) -> Result<Map<String, Value>> {
        let mut batch = self.db.batch();
        let slot = self.stage_key_upload(&mut batch, user, device, body)?;
        self.db.write(batch)?;
        drop(slot); // wake syncs only after the change is durable
        self.one_time_key_counts(user, device)
    }

    /// Validates and stages a `/keys/upload` body. When the device keys
    /// changed, returns the stream slot of the key change: drop it after the write.
    pub(crate) fn stage_key_upload(
        &self,
        batch: &mut Batch<'_>,
        user: &UserId,
        device: &str,
        body: &Value,
    ) -> Result<Option<Slot<'_>>> {
        let mut slot = None;
        if let Some(keys) = body.get("device_keys").filter(|v| !v.is_null()) {
            validate_device_keys(user, device, keys)?;
            let row = (user.to_string(), device.to_owned());
            if self
                .db
                .get::<E2eDeviceKeys>(&row)?
                .is_none_or(|Json(old)| old != *keys)
            {
                batch.put::<E2eDeviceKeys>(&row, &Json(keys.clone()))?;
                let allocated = self.stream.allocate(&self.db)?;
                note_key_change(batch, allocated.position(), user.as_str())?;
                self.outbox_device_change(batch, user, device, Some(keys))?;
                slot = Some(allocated);
            }
        }
        if let Some(keys) = body.get("one_time_keys").and_then(Value::as_object) {
            self.stage_one_time_keys(batch, user, device, keys)?;
        }
        for field in FALLBACK_FIELDS {
            if let Some(keys) = body.get(field).and_then(Value::as_object) {
                self.stage_fallback_keys(batch, user, device, keys)?;
            }
        }
        Ok(slot)
    }

    /// `/keys/query` for `requester`: `device_keys` is `{user: [device, …]}` (empty = all).
    pub fn query_keys(&self, requester: &UserId, device_keys: &Value) -> Result<Value> {
        let users = device_keys
            .as_object()
            .ok_or_else(|| ServiceError::BadJson("device_keys must be an object".into()))?;
        let mut out = json!({ "device_keys": {}, "master_keys": {}, "self_signing_keys": {}, "user_signing_keys": {}, "failures": {} });
        for (user, devices) in users {
            let Ok(user_id) = UserId::parse(user) else {
                continue;
            };
            if user_id.server_name() != self.server_name() {
                // No federation yet: remote servers are unreachable by definition.
                out["failures"][user_id.server_name().as_str()] =
                    json!({ "status": 503, "message": "federation is not available" });
                continue;
            }
            let wanted: Vec<String> = devices
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|d| d.as_str().map(str::to_owned))
                .collect();
            out["device_keys"][user] =
                Value::Object(self.user_device_keys(requester, &user_id, &wanted)?);
            for (kind, field) in [
                ("master", "master_keys"),
                ("self_signing", "self_signing_keys"),
                ("user_signing", "user_signing_keys"),
            ] {
                if kind == "user_signing" && requester != user_id {
                    continue; // a user-signing key is private to its owner
                }
                if let Some(key) = self.cross_signing_key_for(requester, &user_id, kind)? {
                    out[field][user] = key;
                }
            }
        }
        Ok(out)
    }

    /// `{device: keys}` of `user` (only `wanted` devices, unless empty).
    fn user_device_keys(
        &self,
        requester: &UserId,
        user: &UserId,
        wanted: &[String],
    ) -> Result<Map<String, Value>> {
        let mut devices = Map::new();
        for row in self
            .db
            .scan::<E2eDeviceKeys, _>(&(user.to_string(),), Direction::Forward)?
        {
            let ((_, device), Json(mut keys)) = row?;
            if !wanted.is_empty() && !wanted.contains(&device) {
                continue;
            }
            self.merge_signatures(requester, user, &device, &mut keys)?;
            let name = self.device(user, &device).ok().and_then(|d| d.display_name);
            keys["unsigned"] = match name {
                Some(name) => json!({ "device_display_name": name }),
                None => json!({}),
            };
            devices.insert(device, keys);
        }
        Ok(devices)
    }

    /// A stored cross-signing key of `user`, with the signatures `requester` may see.
    pub fn cross_signing_key_for(
        &self,
        requester: &UserId,
        user: &UserId,
        kind: &str,
    ) -> Result<Option<Value>> {
        let Some(Json(mut key)) = self
            .db
            .get::<E2eCrossSigningKeys>(&(user.to_string(), kind.to_owned()))?
        else {
            return Ok(None);
        };
        if let Some((key_id, _)) = super::signing::cross_signing_public_key(&key) {
            self.merge_signatures(requester, user, key_name(&key_id), &mut key)?;
        }
        Ok(Some(key))
    }

    /// Adds signatures uploaded after the key itself: the owner's, and the requester's own.
    fn merge_signatures(
        &self,
        requester: &UserId,
        user: &UserId,
        target: &str,
        key: &mut Value,
    ) -> Result<()> {
        let prefix = (user.to_string(), target.to_owned());
        for row in self
            .db
            .scan::<E2eKeySignatures, _>(&prefix, Direction::Forward)?
        {
            let ((_, _, signer, signer_key), signature) = row?;
            if signer != user.as_str() && signer != requester.as_str() {
                continue;
            }
            if !key.get("signatures").is_some_and(Value::is_object) {
                key["signatures"] = json!({});
            }
            if !key["signatures"].get(&signer).is_some_and(Value::is_object) {
                key["signatures"][&signer] = json!({});
            }
            key["signatures"][&signer][&signer_key] = Value::String(signature);
        }
        Ok(())
    }
}
