//! The storage engine of Plexus: RocksDB behind typed tables.
//!
//! A table is a RocksDB column family with a key type and a value type
//! ([`Table`]). Keys are encoded with an order-preserving codec
//! ([`KeyCodec`]) so that range scans follow the natural order of the key
//! tuple. Writes that touch more than one table go through one [`Batch`],
//! which RocksDB applies atomically.
//!
//! This crate knows no Matrix policy: the catalogue of tables lives with the
//! domain types in `plexus-service` and is handed to [`Db::open`].

mod codec;
mod db;
mod error;
mod table;
#[cfg(test)]
mod tests;

pub use codec::{Json, KeyCodec, ValueCodec};
pub use db::{Batch, Db, DbOptions, Direction, TableScan};
pub use error::StorageError;
pub use table::Table;
