//! Cross-signing: a user's master, self-signing and user-signing keys
//! (`/keys/device_signing/upload`), and signatures uploaded later by the
//! owner or another user (`/keys/signatures/upload`). Every signature is
//! checked against the stored object before it is kept.

use plexus_storage::{Batch, Json};
use ruma::UserId;
use serde_json::{json, Map, Value};

use super::{
    device_lists::note_key_change,
    signing::{cross_signing_public_key, key_name, verify_signature, verify_signed_by},
};
use crate::{
    tables::{E2eCrossSigningKeys, E2eDeviceKeys, E2eKeySignatures},
    Result, ServiceError, Services,
};

/// (request field, kind): the kind is both the storage key and the required `usage`.
const KINDS: [(&str, &str); 3] = [
    ("master_key", "master"),
    ("self_signing_key", "self_signing"),
    ("user_signing_key", "user_signing"),
];

/// What a signature upload is about, and which key may sign it.
enum Target {
    /// One of the requester's devices; signed by their self-signing key.
    OwnDevice(Value),
    /// The requester's master key; signed by one of their devices.
    OwnMaster(Value),
    /// Another user's master key; signed by the requester's user-signing key.
    OtherMaster(Value),
}

/// Checks owner, usage and shape of an uploaded key; returns its (key ID, public key).
fn validate_cross_signing_key(user: &UserId, kind: &str, key: &Value) -> Result<(String, String)> {
    if key.get("user_id").and_then(Value::as_str) != Some(user.as_str()) {
        return Err(ServiceError::invalid(format!(
            "{kind} key: user_id does not match the caller"
        )));
    }
    let usage_ok = key
        .get("usage")
        .and_then(Value::as_array)
        .is_some_and(|u| u.iter().any(|x| x == kind));
    if !usage_ok {
        return Err(ServiceError::invalid(format!(
            "{kind} key: usage must include {kind}"
        )));
    }
    cross_signing_public_key(key).ok_or_else(|| {
        ServiceError::invalid(format!("{kind} key must have exactly one ed25519 key"))
    })
}

impl Services {
    /// Whether the user has uploaded a master key.
    pub fn has_cross_signing_keys(&self, user: &UserId) -> Result<bool> {
        Ok(self
            .db
            .contains::<E2eCrossSigningKeys>(&(user.to_string(), "master".to_owned()))?)
    }

    /// Whether uploading `body` needs user-interactive auth: replacing existing
    /// keys does; a first upload, or a retry of exactly the stored keys, does not (MSC3967).
    pub fn cross_signing_upload_needs_auth(&self, user: &UserId, body: &Value) -> Result<bool> {
        if !self.has_cross_signing_keys(user)? {
            return Ok(false);
        }
        for (field, kind) in KINDS {
            let Some(key) = body.get(field).filter(|k| !k.is_null()) else {
                continue;
            };
            let stored = self
                .db
                .get::<E2eCrossSigningKeys>(&(user.to_string(), kind.to_owned()))?;
            if stored.is_none_or(|Json(stored)| stored != *key) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Stores the given cross-signing keys; self- and user-signing keys must
    /// be signed by the (new or current) master key.
    pub fn upload_cross_signing_keys(&self, user: &UserId, body: &Value) -> Result<()> {
        let mut keys = Vec::new();
        for (field, kind) in KINDS {
            if let Some(key) = body.get(field).filter(|k| !k.is_null()) {
                validate_cross_signing_key(user, kind, key)?;
                keys.push((kind, key.clone()));
            }
        }
        if keys.is_empty() {
            return Ok(());
        }
        let master = match keys.iter().find(|(kind, _)| *kind == "master") {
            Some((_, key)) => Some(key.clone()),
            None => self
                .db
                .get::<E2eCrossSigningKeys>(&(user.to_string(), "master".to_owned()))?
                .map(|j| j.0),
        };
        let master_id = master.as_ref().and_then(cross_signing_public_key);
        for (kind, key) in keys.iter().filter(|(kind, _)| *kind != "master") {
            let (id, public) = master_id
                .clone()
                .ok_or_else(|| ServiceError::invalid("upload a master key first"))?;
            verify_signed_by(key, user.as_str(), &id, &public).map_err(|e| {
                ServiceError::invalid(format!("{kind} key is not signed by the master key: {e}"))
            })?;
        }
        let mut batch = self.db.batch();
        for (kind, key) in &keys {
            batch.put::<E2eCrossSigningKeys>(
                &(user.to_string(), kind.to_string()),
                &Json(key.clone()),
            )?;
        }
        let slot = self.stream.allocate(&self.db)?;
        note_key_change(&mut batch, slot.position(), user.as_str())?;
        self.outbox_signing_keys(&mut batch, user, &keys)?;
        self.db.write(batch)?;
        drop(slot);
        Ok(())
    }

    /// `/keys/signatures/upload`: keeps every valid signature; returns `failures`.
    pub fn upload_signatures(&self, requester: &UserId, body: &Value) -> Result<Value> {
        let users = body
            .as_object()
            .ok_or_else(|| ServiceError::BadJson("body must be an object".into()))?;
        let mut failures = Map::new();
        let mut batch = self.db.batch();
        let mut stored = 0;
        for (user, objects) in users {
            for (key_id, object) in objects.as_object().into_iter().flatten() {
                match self.stage_signatures(&mut batch, requester, user, key_id, object) {
                    Ok(count) => {
                        stored += count;
                        if count > 0 {
                            self.outbox_own_key_signed(&mut batch, requester, user, key_id)?;
                        }
                    }
                    Err(e) => {
                        let failure =
                            json!({ "errcode": "M_INVALID_SIGNATURE", "error": e.to_string() });
                        failures.entry(user.clone()).or_insert_with(|| json!({}))[key_id] = failure;
                    }
                }
            }
        }
        if stored > 0 {
            // Only the requester's view changes (another user's signature is private to its signer).
            let slot = self.stream.allocate(&self.db)?;
            note_key_change(&mut batch, slot.position(), requester.as_str())?;
            self.db.write(batch)?;
            drop(slot);
        }
        Ok(json!({ "failures": failures }))
    }

    /// Verifies the requester's signatures on one object and stages them; returns how many.
    fn stage_signatures(
        &self,
        batch: &mut Batch<'_>,
        requester: &UserId,
        user: &str,
        key_id: &str,
        object: &Value,
    ) -> Result<usize> {
        let user_id = UserId::parse(user).map_err(|_| ServiceError::invalid("invalid user ID"))?;
        let target = self.signature_target(requester, &user_id, key_id)?;
        let signatures = object
            .get("signatures")
            .and_then(|s| s.get(requester.as_str()))
            .and_then(Value::as_object)
            .ok_or_else(|| ServiceError::invalid("no signature by the uploader"))?;
        let mut count = 0;
        for (signer_key, signature) in signatures {
            let Some(public) = self.signer_public_key(requester, &target, signer_key)? else {
                continue;
            };
            let signature = signature
                .as_str()
                .ok_or_else(|| ServiceError::invalid("signature must be a string"))?;
            let (Target::OwnDevice(stored)
            | Target::OwnMaster(stored)
            | Target::OtherMaster(stored)) = &target;
            verify_signature(stored, requester.as_str(), signer_key, &public, signature)?;
            let row = (
                user.to_owned(),
                key_id.to_owned(),
                requester.to_string(),
                signer_key.clone(),
            );
            batch.put::<E2eKeySignatures>(&row, &signature.to_owned())?;
            count += 1;
        }
        if count == 0 {
            return Err(ServiceError::invalid(
                "no signature by a key allowed to sign this object",
            ));
        }
        Ok(count)
    }

    fn signature_target(&self, requester: &UserId, user: &UserId, key_id: &str) -> Result<Target> {
        let master = self
            .db
            .get::<E2eCrossSigningKeys>(&(user.to_string(), "master".to_owned()))?
            .map(|j| j.0);
        let is_master = master
            .as_ref()
            .and_then(cross_signing_public_key)
            .is_some_and(|(id, _)| key_name(&id) == key_id);
        match (requester == user, is_master, master) {
            (true, true, Some(master)) => Ok(Target::OwnMaster(master)),
            (false, true, Some(master)) => Ok(Target::OtherMaster(master)),
            (true, false, _) => match self
                .db
                .get::<E2eDeviceKeys>(&(user.to_string(), key_id.to_owned()))?
            {
                Some(Json(keys)) => Ok(Target::OwnDevice(keys)),
                None => Err(ServiceError::not_found(format!("unknown key {key_id}"))),
            },
            _ => Err(ServiceError::not_found(format!("unknown key {key_id}"))),
        }
    }

    /// The public key behind `signer_key` if it may sign `target`.
    fn signer_public_key(
        &self,
        requester: &UserId,
        target: &Target,
        signer_key: &str,
    ) -> Result<Option<String>> {
        let cross = |kind: &str| -> Result<Option<String>> {
            let key = self
                .db
                .get::<E2eCrossSigningKeys>(&(requester.to_string(), kind.to_owned()))?;
            Ok(key
                .and_then(|Json(k)| cross_signing_public_key(&k))
                .filter(|(id, _)| id == signer_key)
                .map(|(_, p)| p))
        };
        match target {
            Target::OwnDevice(_) => cross("self_signing"),
            Target::OtherMaster(_) => cross("user_signing"),
            Target::OwnMaster(_) => {
                let device = key_name(signer_key).to_owned();
                let keys = self
                    .db
                    .get::<E2eDeviceKeys>(&(requester.to_string(), device))?;
                Ok(keys.and_then(|Json(k)| {
                    k.get("keys")?.get(signer_key)?.as_str().map(str::to_owned)
                }))
            }
        }
    }
}
