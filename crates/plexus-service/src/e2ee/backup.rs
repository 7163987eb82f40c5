//! Server-side key backup (`/room_keys`): numbered versions per user, each
//! holding encrypted session keys per (room, session). The server cannot
//! read them; it only keeps the "best" copy of each session, judged by the
//! unencrypted metadata, and an `etag` that moves with every change.

use std::cmp::Ordering;

use plexus_storage::{Direction, Json};
use ruma::UserId;
use serde_json::{json, Map, Value};

use crate::{
    records::BackupVersionRecord,
    tables::{E2eBackupKeys, E2eBackupVersions},
    Result, ServiceError, Services,
};

/// A row of `e2e_backup_keys`: ((user, version, room, session), key data).
type BackupRow = ((String, u64, String, String), Json<Value>);

/// Which part of a backup a keys request is about.
#[derive(Clone, Copy, Debug)]
pub struct BackupScope<'a> {
    pub room: Option<&'a str>,
    pub session: Option<&'a str>,
}

impl BackupScope<'_> {
    pub const ALL: BackupScope<'static> = BackupScope {
        room: None,
        session: None,
    };
}

/// Orders backed-up copies of one session: verified beats unverified, then
/// the lower first message index, then the fewer forwards.
pub fn compare_backup_keys(new: &Value, old: &Value) -> Ordering {
    let verified = |k: &Value| {
        k.get("is_verified")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    let number = |k: &Value, field: &str| k.get(field).and_then(Value::as_u64).unwrap_or(u64::MAX);
    verified(new)
        .cmp(&verified(old))
        .then_with(|| number(old, "first_message_index").cmp(&number(new, "first_message_index")))
        .then_with(|| number(old, "forwarded_count").cmp(&number(new, "forwarded_count")))
}

fn parse_version(version: &str) -> Result<u64> {
    version
        .parse()
        .map_err(|_| ServiceError::not_found("unknown backup version"))
}

impl Services {
    fn backup_lock(&self, user: &UserId) -> std::sync::Arc<tokio::sync::Mutex<()>> {
        // Keyed apart from room IDs (which never contain NUL): serializes etag updates per user.
        self.room_lock(&format!("\0e2ee:backup:{user}"))
    }

    /// The newest version number ever created (deleted or not).
    fn last_backup_version(&self, user: &UserId) -> Result<Option<(u64, BackupVersionRecord)>> {
        let mut rows = self
            .db
            .scan::<E2eBackupVersions, _>(&(user.to_string(),), Direction::Backward)?;
        Ok(rows.next().transpose()?.map(|((_, v), Json(r))| (v, r)))
    }

    /// The current backup: the newest version, unless it was deleted.
    fn current_backup_version(&self, user: &UserId) -> Result<Option<(u64, BackupVersionRecord)>> {
        Ok(self.last_backup_version(user)?.filter(|(_, r)| !r.deleted))
    }

    fn backup_version(&self, user: &UserId, version: &str) -> Result<(u64, BackupVersionRecord)> {
        let number = parse_version(version)?;
        match self
            .db
            .get::<E2eBackupVersions>(&(user.to_string(), number))?
        {
            Some(Json(record)) if !record.deleted => Ok((number, record)),
            _ => Err(ServiceError::not_found("unknown backup version")),
        }
    }

    pub async fn create_backup_version(
        &self,
        user: &UserId,
        algorithm: &str,
        auth_data: Value,
    ) -> Result<String> {
        let lock = self.backup_lock(user);
        let _guard = lock.lock().await;
        let number = self.last_backup_version(user)?.map_or(1, |(v, _)| v + 1);
        let record = BackupVersionRecord {
            algorithm: algorithm.to_owned(),
            auth_data,
            etag: 0,
            deleted: false,
        };
        self.db
            .put::<E2eBackupVersions>(&(user.to_string(), number), &Json(record))?;
        Ok(number.to_string())
    }

    /// `{algorithm, auth_data, count, etag, version}` of a version, or of the current one.
    pub fn backup_version_info(&self, user: &UserId, version: Option<&str>) -> Result<Value> {
        let (number, record) = match version {
            Some(version) => self.backup_version(user, version)?,
            None => self
                .current_backup_version(user)?
                .ok_or_else(|| ServiceError::not_found("no backup exists"))?,
        };
        Ok(json!({
            "algorithm": record.algorithm,
            "auth_data": record.auth_data,
            "count": self.backup_key_count(user, number)?,
            "etag": record.etag.to_string(),
            "version": number.to_string(),
        }))
    }

    /// Replaces `auth_data`; the algorithm cannot change.
    pub async fn update_backup_version(
        &self,
        user: &UserId,
        version: &str,
        algorithm: &str,
        auth_data: Value,
    ) -> Result<()> {
        let lock = self.backup_lock(user);
        let _guard = lock.lock().await;
        let (number, mut record) = self.backup_version(user, version)?;
        if record.algorithm != algorithm {
            return Err(ServiceError::invalid(
                "the algorithm of a backup version cannot change",
            ));
        }
        record.auth_data = auth_data;
        self.db
            .put::<E2eBackupVersions>(&(user.to_string(), number), &Json(record))?;
        Ok(())
    }

    /// Deletes a version and its keys; its number is never reused.
    pub async fn delete_backup_version(&self, user: &UserId, version: &str) -> Result<()> {
        let lock = self.backup_lock(user);
        let _guard = lock.lock().await;
        let (number, mut record) = self.backup_version(user, version)?;
        let mut batch = self.db.batch();
        for row in self
            .db
            .scan::<E2eBackupKeys, _>(&(user.to_string(), number), Direction::Forward)?
        {
            batch.delete::<E2eBackupKeys>(&row?.0)?;
        }
        record.deleted = true;
        batch.put::<E2eBackupVersions>(&(user.to_string(), number), &Json(record))?;
        self.db.write(batch)?;
        Ok(())
    }

    fn backup_key_count(&self, user: &UserId, number: u64) -> Result<u64> {
        Ok(self
            .db
            .scan::<E2eBackupKeys, _>(&(user.to_string(), number), Direction::Forward)?
            .count() as u64)
    }

    /// Stores `{room: {session: key_data}}` in the current version, keeping
    /// the better copy of each session. Returns `{etag, count}`.
    pub async fn put_backup_keys(
        &self,
        user: &UserId,
        version: &str,
        rooms: &Map<String, Value>,
    ) -> Result<Value> {
        let lock = self.backup_lock(user);
        let _guard = lock.lock().await;
        let (number, mut record) = self.backup_version(user, version)?;
        match self.current_backup_version(user)? {
            Some((current, _)) if current == number => {}
            current => {
                return Err(ServiceError::WrongRoomKeysVersion {
                    current_version: current.map(|(c, _)| c.to_string()),
                })
            }
        }
        let mut batch = self.db.batch();
        let mut changed = false;
        for (room, sessions) in rooms {
            for (session, data) in sessions.as_object().into_iter().flatten() {
                let row = (user.to_string(), number, room.clone(), session.clone());
                let keep_old = self
                    .db
                    .get::<E2eBackupKeys>(&row)?
                    .is_some_and(|Json(old)| compare_backup_keys(data, &old).is_le());
                if !keep_old {
                    batch.put::<E2eBackupKeys>(&row, &Json(data.clone()))?;
                    changed = true;
                }
            }
        }
        if changed {
            record.etag += 1;
            batch.put::<E2eBackupVersions>(&(user.to_string(), number), &Json(record.clone()))?;
            self.db.write(batch)?;
        }
        Ok(
            json!({ "etag": record.etag.to_string(), "count": self.backup_key_count(user, number)? }),
        )
    }

    /// Backed-up keys within `scope`: `{rooms: …}`, `{sessions: …}` or one key_data.
    pub fn get_backup_keys(
        &self,
        user: &UserId,
        version: &str,
        scope: BackupScope<'_>,
    ) -> Result<Value> {
        let (number, _) = self.backup_version(user, version)?;
        let mut rooms = Map::new();
        for ((_, _, room, session), Json(data)) in self.backup_rows(user, number, scope)? {
            let sessions = rooms
                .entry(room)
                .or_insert_with(|| json!({ "sessions": {} }));
            sessions["sessions"][session] = data;
        }
        match (scope.room, scope.session) {
            (Some(room), Some(session)) => rooms
                .get(room)
                .and_then(|r| r["sessions"].get(session))
                .cloned()
                .ok_or_else(|| ServiceError::not_found("no such session in the backup")),
            (Some(room), None) => Ok(rooms
                .remove(room)
                .unwrap_or_else(|| json!({ "sessions": {} }))),
            _ => Ok(json!({ "rooms": rooms })),
        }
    }

    /// Deletes backed-up keys within `scope`; returns `{etag, count}`.
    pub async fn delete_backup_keys(
        &self,
        user: &UserId,
        version: &str,
        scope: BackupScope<'_>,
    ) -> Result<Value> {
        let lock = self.backup_lock(user);
        let _guard = lock.lock().await;
        let (number, mut record) = self.backup_version(user, version)?;
        let rows = self.backup_rows(user, number, scope)?;
        if !rows.is_empty() {
            let mut batch = self.db.batch();
            for (key, _) in rows {
                batch.delete::<E2eBackupKeys>(&key)?;
            }
            record.etag += 1;
            batch.put::<E2eBackupVersions>(&(user.to_string(), number), &Json(record.clone()))?;
            self.db.write(batch)?;
        }
        Ok(
            json!({ "etag": record.etag.to_string(), "count": self.backup_key_count(user, number)? }),
        )
    }

    fn backup_rows(
        &self,
        user: &UserId,
        number: u64,
        scope: BackupScope<'_>,
    ) -> Result<Vec<BackupRow>> {
        let rows = match scope.room {
            Some(room) => self.db.scan::<E2eBackupKeys, _>(
                &(user.to_string(), number, room.to_owned()),
                Direction::Forward,
            )?,
            None => self
                .db
                .scan::<E2eBackupKeys, _>(&(user.to_string(), number), Direction::Forward)?,
        };
        let rows: Vec<_> = rows.collect::<Result<_, _>>()?;
        Ok(rows
            .into_iter()
            .filter(|((_, _, _, s), _)| scope.session.is_none_or(|want| want == s))
            .collect())
    }
}
