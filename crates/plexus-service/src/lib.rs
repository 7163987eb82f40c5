//! The Plexus domain layer: accounts and devices, rooms and their
//! timelines, room state, /sync, and ephemeral data (typing, receipts,
//! presence). HTTP types never appear here; handlers call these services
//! with parsed values and map [`ServiceError`] to Matrix errors.
//!
//! Every write that touches more than one table goes through one
//! `plexus_storage::Batch`.

pub mod account_data;
pub mod directory;
pub mod e2ee;
pub mod ephemeral;
pub mod error;
pub mod events;
pub mod filters;
pub mod inbound_txns;
pub mod media;
pub mod openid;
pub mod outbox;
pub mod power;
pub mod presence;
pub mod profile;
pub mod push;
pub mod ratelimit;
pub mod records;
pub mod relations;
pub mod remote;
pub mod rooms;
pub mod search;
pub mod services;
pub mod sliding_sync;
pub mod spaces;
pub mod state;
pub mod stream;
pub mod sync;
pub mod tables;
pub mod timeline;
pub mod uia;
pub mod users;
pub mod visibility;

pub use error::{Result, ServiceError};
pub use plexus_storage::Direction;
pub use services::Services;
#[cfg(test)]
mod tests;
