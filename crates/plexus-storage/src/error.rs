//! Errors of the storage layer.

/// A storage operation failed. Callers map it to an internal server error.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("rocksdb: {0}")]
    Engine(#[from] rocksdb::Error),
    #[error("corrupt {what} in table {table}")]
    Corrupt {
        table: &'static str,
        what: &'static str,
    },
    #[error("unknown table {0}: not in the catalogue passed to Db::open")]
    UnknownTable(&'static str),
    #[error("database schema version {found} is newer than this binary ({supported})")]
    SchemaTooNew { found: u64, supported: u64 },
}
