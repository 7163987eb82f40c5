//! Plexus vocabulary shared by every other crate: the PDU type, room-version
//! rules, identifiers and the configuration types.
//!
//! This crate does no IO beyond reading a configuration file and knows
//! nothing of tokio, axum or RocksDB.

pub mod config;
pub mod pdu;
pub mod time;

pub use config::Config;
pub use pdu::{Pdu, PduError};

/// Re-exported so every crate names Matrix types through one path.
pub use ruma;
