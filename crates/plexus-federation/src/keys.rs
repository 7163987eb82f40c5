//! Server signing keys: ours ([`own`]: the published, self-signed key document
//! with retired keys in `old_verify_keys`), other servers' ([`KeyStore`]: fetched
//! directly or through notaries, checked by [`verify`], cached in
//! `federation_remote_keys` until their `valid_until_ts`), and the notary
//! answers ([`notary`]).

pub mod notary;
pub mod own;
#[cfg(test)]
mod tests;
pub mod verify;

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use http::Method;
use plexus_service::{tables::FederationRemoteKeys, Services};
use plexus_storage::{Json, StorageError};
use ruma::{serde::Base64, signatures::PublicKeyMap};
use serde_json::Value;

use crate::client::FederationClient;
pub use verify::ServerKeys;

/// Why a server's key could not be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key response of {server} is invalid: {reason}")]
    Invalid { server: String, reason: String },
    #[error("no valid key {key_id} of {server}")]
    NotFound { server: String, key_id: String },
    #[error("cannot fetch the keys of {server}: {reason}")]
    Unreachable { server: String, reason: String },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A server's keys are fetched at most this often when a key is missing,
/// so requests naming unknown key IDs cannot make us hammer a server.
const REFETCH_INTERVAL: Duration = Duration::from_secs(30);

/// Other servers' verify keys, cached in the database.
pub struct KeyStore {
    services: Arc<Services>,
    client: Arc<FederationClient>,
    /// Per server: when its keys were last fetched because one was missing. The
    /// async lock makes concurrent requests wait for one fetch instead of each fetching.
    fetch_gates: Mutex<HashMap<String, FetchGate>>,
}

type FetchGate = Arc<tokio::sync::Mutex<Option<Instant>>>;

impl KeyStore {
    pub fn new(services: Arc<Services>, client: Arc<FederationClient>) -> Self {
        KeyStore {
            services,
            client,
            fetch_gates: Mutex::new(HashMap::new()),
        }
    }

    /// The raw ed25519 key `key_id` of `server`, valid at `at_ms`. Keys in
    /// `old_verify_keys` count only with `allow_old` (event signatures, not requests).
    pub async fn public_key(
        &self,
        server: &str,
        key_id: &str,
        at_ms: u64,
        allow_old: bool,
    ) -> Result<Vec<u8>, KeyError> {
        if server == self.services.server_name().as_str() {
            return own::public_key(&self.services, key_id, at_ms, allow_old);
        }
        if let Some(key) = self.cached(server, key_id, at_ms, allow_old)? {
            return Ok(key);
        }
        let gate = self.fetch_gate(server);
        let mut last_fetch = gate.lock().await;
        if let Some(key) = self.cached(server, key_id, at_ms, allow_old)? {
            return Ok(key); // fetched by a concurrent request
        }
        if last_fetch.is_some_and(|at| at.elapsed() < REFETCH_INTERVAL) {
            return Err(KeyError::NotFound {
                server: server.into(),
                key_id: key_id.into(),
            });
        }
        *last_fetch = Some(Instant::now());
        self.refresh(server).await?;
        self.cached(server, key_id, at_ms, allow_old)?
            .ok_or_else(|| KeyError::NotFound {
                server: server.into(),
                key_id: key_id.into(),
            })
    }

    fn cached(
        &self,
        server: &str,
        key_id: &str,
        at_ms: u64,
        allow_old: bool,
    ) -> Result<Option<Vec<u8>>, KeyError> {
        let row = self
            .services
            .db
            .get::<FederationRemoteKeys>(&(server.to_owned(), key_id.to_owned()))?;
        let Some(Json(response)) = row else {
            return Ok(None);
        };
        let Ok(keys) = ServerKeys::parse(&response) else {
            return Ok(None);
        };
        Ok(keys.key_valid_at(key_id, at_ms, allow_old))
    }

    /// The keys named in `wanted` (server → key IDs) valid at `at_ms`, old keys included
    /// (event signatures), as ruma's [`PublicKeyMap`] for `ruma::signatures::verify_event`.
    /// Keys that cannot be had are left out, so signatures by them fail to verify.
    pub async fn public_key_map(
        &self,
        wanted: &BTreeMap<String, BTreeSet<String>>,
        at_ms: u64,
    ) -> PublicKeyMap {
        let mut map = PublicKeyMap::new();
        for (server, key_ids) in wanted {
            let mut set = BTreeMap::new();
            for key_id in key_ids {
                match self.public_key(server, key_id, at_ms, true).await {
                    Ok(key) => {
                        set.insert(key_id.clone(), Base64::new(key));
                    }
                    Err(e) => tracing::debug!(%server, %key_id, "key unavailable: {e}"),
                }
            }
            map.insert(server.clone(), set);
        }
        map
    }

    /// Fetches `server`'s keys unless that happened within the last 30 s (for the notary
    /// endpoints, which anyone may call: they cannot make us fetch a server over and over).
    pub async fn refresh_if_due(&self, server: &str) -> Result<(), KeyError> {
        let gate = self.fetch_gate(server);
        let mut last_fetch = gate.lock().await;
        if last_fetch.is_some_and(|at| at.elapsed() < REFETCH_INTERVAL) {
            return Ok(());
        }
        *last_fetch = Some(Instant::now());
        self.refresh(server).await.map(drop)
    }

    /// The fetch gate of `server`; idle, expired gates are dropped as the map grows.
    fn fetch_gate(&self, server: &str) -> FetchGate {
        let mut gates = self.fetch_gates.lock().expect("key fetch gates poisoned");
        if gates.len() > 4096 {
            gates.retain(|_, gate| {
                let idle = Arc::strong_count(gate) == 1;
                let expired = gate
                    .try_lock()
                    .is_ok_and(|at| at.is_none_or(|at| at.elapsed() >= REFETCH_INTERVAL));
                !(idle && expired)
            });
        }
        gates.entry(server.to_owned()).or_default().clone()
    }

    /// Fetches `server`'s keys directly, else through each trusted notary; stores what verifies.
    pub async fn refresh(&self, server: &str) -> Result<Vec<Value>, KeyError> {
        let direct = self.fetch_direct(server).await;
        let error = match direct {
            Ok(response) => {
                self.store(server, std::slice::from_ref(&response))?;
                return Ok(vec![response]);
            }
            Err(error) => error,
        };
        for notary in &self.services.config.federation.trusted_key_servers {
            match notary::ask_notary(self, notary, server).await {
                Ok(responses) if !responses.is_empty() => {
                    self.store(server, &responses)?;
                    return Ok(responses);
                }
                Ok(_) => {}
                Err(e) => tracing::debug!(%notary, %server, "notary failed: {e}"),
            }
        }
        Err(error)
    }

    /// `GET /_matrix/key/v2/server` of `server`, verified.
    async fn fetch_direct(&self, server: &str) -> Result<Value, KeyError> {
        let response = self
            .client
            .send_unsigned(server, Method::GET, "/_matrix/key/v2/server", None)
            .await
            .map_err(|e| KeyError::Unreachable {
                server: server.into(),
                reason: e.to_string(),
            })?;
        ServerKeys::verify_self_signed(&response, server)?;
        Ok(response)
    }

    /// Keeps each verified response under every key ID it names, in one batch.
    fn store(&self, server: &str, responses: &[Value]) -> Result<(), KeyError> {
        let mut batch = self.services.db.batch();
        for response in responses {
            let keys = ServerKeys::parse(response)?;
            for key_id in keys.key_ids() {
                let row = (server.to_owned(), key_id.to_owned());
                let newer = match self.services.db.get::<FederationRemoteKeys>(&row)? {
                    Some(Json(old)) => ServerKeys::parse(&old)
                        .map_or(true, |old| keys.valid_until_ts >= old.valid_until_ts),
                    None => true,
                };
                if newer {
                    batch.put::<FederationRemoteKeys>(&row, &Json(response.clone()))?;
                }
            }
        }
        self.services.db.write(batch)?;
        Ok(())
    }

    /// Cached responses of `server` still valid at `min_valid_until_ms`, distinct.
    pub fn cached_responses(
        &self,
        server: &str,
        min_valid_until_ms: u64,
    ) -> Result<Vec<Value>, KeyError> {
        let mut out: Vec<Value> = Vec::new();
        let rows = self.services.db.scan::<FederationRemoteKeys, _>(
            &(server.to_owned(),),
            plexus_storage::Direction::Forward,
        )?;
        for row in rows {
            let (_, Json(response)) = row?;
            let valid =
                ServerKeys::parse(&response).is_ok_and(|k| k.valid_until_ts >= min_valid_until_ms);
            if valid && !out.contains(&response) {
                out.push(response);
            }
        }
        Ok(out)
    }

    pub(crate) fn services(&self) -> &Arc<Services> {
        &self.services
    }

    pub(crate) fn client(&self) -> &FederationClient {
        &self.client
    }
}
