//! Plexus's server-server API (issue #8): server keys and the notary
//! ([`keys`]), `X-Matrix` request signing both ways ([`xmatrix`], [`auth`]),
//! server discovery ([`discovery`]), the outbound client ([`client`]), the
//! federation router ([`router`]) and its TLS listener ([`tls`]).
//!
//! [`Federation`] bundles what the endpoints and later features (joins,
//! invites, the send queue) need: the domain services, the outbound client and
//! the remote key store. It is built once and passed as `Arc<Federation>`.

pub mod acl;
pub mod auth;
pub mod backfill;
mod base64;
pub mod client;
pub mod discovery;
pub mod edu;
pub mod error;
mod history;
pub mod keys;
pub mod membership;
pub mod pdu;
pub mod push_gateway;
mod queries;
mod remote;
mod routes;
pub mod sender;
#[cfg(test)]
mod test_origin;
#[cfg(test)]
mod testing;
pub mod tls;
pub mod xmatrix;

use std::sync::Arc;

use plexus_service::Services;

pub use auth::FederationAuth;
pub use client::{ClientError, FederationClient};
pub use error::FederationError;
pub use keys::{KeyError, KeyStore};

/// The federation side of the server.
pub struct Federation {
    pub services: Arc<Services>,
    pub client: Arc<FederationClient>,
    pub keys: KeyStore,
    /// The outbound send queue's sender ([`sender`]); started by the binary.
    pub sender: Arc<sender::Sender>,
    /// One inbound transaction per origin at a time.
    inbound_txns: TxnGates,
}

type TxnGates = std::sync::Mutex<std::collections::HashMap<String, Arc<tokio::sync::Mutex<()>>>>;

/// Federation could not be set up (bad configuration or database).
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Keys(#[from] KeyError),
}

impl Federation {
    /// Builds the client from `services.config.federation` and records our current key.
    pub fn new(services: Arc<Services>) -> Result<Arc<Federation>, SetupError> {
        keys::own::register(&services)?;
        let client = Arc::new(FederationClient::new(services.clone())?);
        let keys = KeyStore::new(services.clone(), client.clone());
        let sender = Arc::new(sender::Sender::new(services.clone(), client.clone()));
        Ok(Arc::new(Federation {
            services,
            client,
            keys,
            sender,
            inbound_txns: TxnGates::default(),
        }))
    }

    /// The lock that serializes inbound transactions from `origin`.
    pub(crate) fn inbound_txn_gate(&self, origin: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut gates = self.inbound_txns.lock().expect("txn gate map poisoned");
        gates.entry(origin.to_owned()).or_default().clone()
    }
}

/// The federation and key API router for `services`.
pub fn router(services: Arc<Services>) -> Result<axum::Router, SetupError> {
    Ok(router_for(Federation::new(services)?))
}

/// The router of an existing [`Federation`] (shared with other users of the client).
pub fn router_for(federation: Arc<Federation>) -> axum::Router {
    routes::routes(federation)
}
