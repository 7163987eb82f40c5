//! [`Services`]: the database, configuration, signing key and in-memory
//! caches, assembled once at start-up and passed to every handler. There is
//! no global state: whoever needs the domain holds an `Arc<Services>`.

use std::{
    collections::HashMap,
    path::Path,
    sync::{Arc, Mutex},
};

use plexus_core::{pdu::SigningKey, Config};
use plexus_storage::{Db, DbOptions};

use crate::{
    ephemeral::Typing, ratelimit::RateLimiter, state::StateCache, stream::Stream, tables,
    uia::UiaSessions, Result, ServiceError,
};

pub struct Services {
    pub config: Config,
    pub db: Db,
    pub key: SigningKey,
    pub stream: Stream,
    pub state_cache: StateCache,
    pub typing: Typing,
    /// The federation send queue's sequence numbers and wake-ups ([`crate::outbox`]).
    pub outbox: crate::outbox::Outbox,
    pub uia: UiaSessions,
    pub rate_limiter: RateLimiter,
    /// One lock per room serializes appends so prev_events and depth stay consistent.
    room_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Serializes short read-modify-write updates of per-user rows (filter
    /// counters, tag maps) so concurrent requests cannot lose an update.
    pub(crate) user_row_lock: Mutex<()>,
    pub(crate) password_slots: crate::users::PasswordSlots,
    pub(crate) unread_cache: crate::sync::UnreadCache,
    /// The federation side ([`crate::remote`]), installed once at start-up.
    pub(crate) remote: std::sync::OnceLock<std::sync::Weak<dyn crate::remote::Remote>>,
}

impl Services {
    /// Opens the data directory: database, signing key (made on first start).
    pub fn open(config: Config) -> Result<Arc<Services>> {
        std::fs::create_dir_all(&config.data_dir)
            .map_err(|e| ServiceError::internal(format!("cannot create data dir: {e}")))?;
        check_server_name(&config)?;
        let db = Db::open(
            &config.data_dir.join("db"),
            tables::ALL,
            DbOptions {
                fsync: config.fsync,
            },
        )?;
        let key = load_or_create_key(&config)?;
        let stream = Stream::open(&db)?;
        let state_cache = StateCache::open(&db)?;
        let rate_limiter = RateLimiter::new(&config);
        let outbox = crate::outbox::Outbox::open(&db)?;
        Ok(Arc::new(Services {
            db,
            key,
            stream,
            state_cache,
            typing: Typing::default(),
            outbox,
            uia: UiaSessions::default(),
            rate_limiter,
            room_locks: Mutex::new(HashMap::new()),
            user_row_lock: Mutex::new(()),
            password_slots: Default::default(),
            unread_cache: Default::default(),
            remote: std::sync::OnceLock::new(),
            config,
        }))
    }

    pub fn server_name(&self) -> &ruma::ServerName {
        &self.config.server_name
    }

    /// The append lock of a room.
    pub fn room_lock(&self, room_id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.room_locks.lock().expect("room lock map poisoned");
        locks.entry(room_id.to_owned()).or_default().clone()
    }

    /// Flushes the write-ahead log; called at graceful shutdown.
    pub fn shutdown(&self) -> Result<()> {
        self.db.flush()?;
        Ok(())
    }
}

/// A data directory belongs to one server name forever: every stored ID and
/// signature names it. The first start records it; a different name later is refused.
fn check_server_name(config: &Config) -> Result<()> {
    let path = config.data_dir.join("server_name");
    match std::fs::read_to_string(&path) {
        Ok(recorded) if recorded.trim() == config.server_name.as_str() => Ok(()),
        Ok(recorded) => Err(ServiceError::internal(format!(
            "server_name is \"{}\" but this data directory belongs to \"{}\"; the server name cannot change after the first start",
            config.server_name,
            recorded.trim()
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let tmp = path.with_extension("tmp");
            std::fs::write(&tmp, config.server_name.as_str())
                .and_then(|_| std::fs::rename(&tmp, &path))
                .map_err(|e| ServiceError::internal(format!("write server_name: {e}")))
        }
        Err(e) => Err(ServiceError::internal(format!("read server_name: {e}"))),
    }
}

/// The key file holds `<version>\n` followed by the PKCS#8 document.
fn load_or_create_key(config: &Config) -> Result<SigningKey> {
    let path = config.data_dir.join("signing.key");
    if !path.exists() {
        write_new_key(&path)?;
    }
    let bytes =
        std::fs::read(&path).map_err(|e| ServiceError::internal(format!("read key: {e}")))?;
    let split = bytes
        .iter()
        .position(|b| *b == b'\n')
        .ok_or_else(|| ServiceError::internal("signing.key is malformed"))?;
    let version = std::str::from_utf8(&bytes[..split])
        .map_err(|_| ServiceError::internal("signing.key version is not UTF-8"))?;
    SigningKey::from_pkcs8(config.server_name.clone(), &bytes[split + 1..], version)
        .map_err(|e| ServiceError::internal(format!("signing.key: {e}")))
}

fn write_new_key(path: &Path) -> Result<()> {
    use rand::Rng;
    let version: String = rand::thread_rng()
        .sample_iter(&rand::distributions::Alphanumeric)
        .take(6)
        .map(char::from)
        .collect();
    let mut contents = format!("a_{version}\n").into_bytes();
    contents.extend_from_slice(&SigningKey::generate_pkcs8());
    // Write then rename, so a crash never leaves a half-written key.
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, contents)
        .and_then(|_| std::fs::rename(&tmp, path))
        .map_err(|e| ServiceError::internal(format!("write signing key: {e}")))
}
