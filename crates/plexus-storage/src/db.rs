//! The RocksDB handle, typed reads, scans and atomic write batches.

use std::{marker::PhantomData, path::Path};

use rocksdb::{
    BlockBasedOptions, Cache, ColumnFamilyDescriptor, IteratorMode, Options, WriteOptions, DB,
};

use crate::{KeyCodec, StorageError, Table, ValueCodec};

/// The schema version this binary writes. Bump it with a migration in `open`.
const SCHEMA_VERSION: u64 = 1;
const META_TABLE: &str = "_meta";
const SCHEMA_KEY: &[u8] = b"schema_version";
/// Shared by every table; RocksDB fills it only as blocks are read.
const BLOCK_CACHE_BYTES: usize = 32 * 1024 * 1024;
/// All memtables together; a flush is forced past it.
const MEMTABLE_BUDGET_BYTES: usize = 32 * 1024 * 1024;
const TABLE_MEMTABLE_BYTES: usize = 4 * 1024 * 1024;

/// How the database is opened.
#[derive(Clone, Copy, Debug, Default)]
pub struct DbOptions {
    /// Fsync the write-ahead log before a write returns (power-loss durability).
    /// Without it a write is in the WAL before returning, which survives a process crash.
    pub fsync: bool,
}

/// Scan direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Forward,
    Backward,
}

/// An open database. Cheap to share behind an `Arc`; all methods take `&self`.
pub struct Db {
    db: DB,
    fsync: bool,
}

impl Db {
    /// Opens (or creates) the database with the given catalogue of table names.
    pub fn open(
        path: &Path,
        tables: &[&'static str],
        options: DbOptions,
    ) -> Result<Db, StorageError> {
        let mut opts = Options::default();
        opts.create_if_missing(true);
        opts.create_missing_column_families(true);
        // Small machines: one block cache and one memtable budget shared by all
        // tables, so memory follows the data actually touched, not the table count.
        let cache = Cache::new_lru_cache(BLOCK_CACHE_BYTES);
        opts.set_db_write_buffer_size(MEMTABLE_BUDGET_BYTES);
        opts.set_max_background_jobs(2);
        opts.set_max_open_files(256);
        opts.set_keep_log_file_num(2);
        let mut names: Vec<&str> = tables.to_vec();
        names.push(META_TABLE);
        let descriptors = names
            .iter()
            .map(|name| ColumnFamilyDescriptor::new(*name, table_options(&cache)));
        let db = DB::open_cf_descriptors(&opts, path, descriptors)?;
        let db = Db {
            db,
            fsync: options.fsync,
        };
        db.check_schema()?;
        Ok(db)
    }

    fn check_schema(&self) -> Result<(), StorageError> {
        let cf = self.cf(META_TABLE)?;
        match self.db.get_cf(cf, SCHEMA_KEY)? {
            None => self
                .db
                .put_cf(cf, SCHEMA_KEY, SCHEMA_VERSION.to_be_bytes())?,
            Some(bytes) => {
                let found = u64::decode_value(&bytes).ok_or(StorageError::Corrupt {
                    table: META_TABLE,
                    what: "schema version",
                })?;
                if found > SCHEMA_VERSION {
                    return Err(StorageError::SchemaTooNew {
                        found,
                        supported: SCHEMA_VERSION,
                    });
                }
            }
        }
        Ok(())
    }

    fn cf(&self, name: &'static str) -> Result<&rocksdb::ColumnFamily, StorageError> {
        self.db
            .cf_handle(name)
            .ok_or(StorageError::UnknownTable(name))
    }

    fn write_options(&self) -> WriteOptions {
        let mut opts = WriteOptions::default();
        opts.set_sync(self.fsync);
        opts
    }

    /// Reads one row.
    pub fn get<T: Table>(&self, key: &T::Key) -> Result<Option<T::Value>, StorageError> {
        let cf = self.cf(T::NAME)?;
        match self.db.get_pinned_cf(cf, key.encode())? {
            None => Ok(None),
            Some(bytes) => decode_value::<T>(&bytes).map(Some),
        }
    }

    /// Whether a row exists.
    pub fn contains<T: Table>(&self, key: &T::Key) -> Result<bool, StorageError> {
        let cf = self.cf(T::NAME)?;
        Ok(self.db.get_pinned_cf(cf, key.encode())?.is_some())
    }

    /// Writes one row of one table. Anything touching two tables uses [`Db::batch`].
    pub fn put<T: Table>(&self, key: &T::Key, value: &T::Value) -> Result<(), StorageError> {
        let mut batch = self.batch();
        batch.put::<T>(key, value)?;
        self.write(batch)
    }

    /// A new, empty batch.
    pub fn batch(&self) -> Batch<'_> {
        Batch {
            db: self,
            inner: rocksdb::WriteBatch::default(),
        }
    }

    /// Applies a batch atomically; returns once it is in the write-ahead log
    /// (and fsynced if configured).
    pub fn write(&self, batch: Batch<'_>) -> Result<(), StorageError> {
        self.db.write_opt(batch.inner, &self.write_options())?;
        Ok(())
    }

    /// Rows whose key starts with `prefix`, in key order (or reverse).
    pub fn scan<T: Table, P: KeyCodec>(
        &self,
        prefix: &P,
        direction: Direction,
    ) -> Result<TableScan<'_, T>, StorageError> {
        self.scan_from::<T, P>(prefix, None, direction)
    }

    /// Like [`Db::scan`], starting at `start` (inclusive; an encoded full or
    /// partial key that begins with the prefix).
    pub fn scan_from<T: Table, P: KeyCodec>(
        &self,
        prefix: &P,
        start: Option<&[u8]>,
        direction: Direction,
    ) -> Result<TableScan<'_, T>, StorageError> {
        let cf = self.cf(T::NAME)?;
        let prefix = prefix.encode();
        let mut upper = prefix.clone();
        let seek: Vec<u8> = match (start, direction) {
            (Some(s), _) => s.to_vec(),
            (None, Direction::Forward) => prefix.clone(),
            (None, Direction::Backward) => {
                upper.push(0xFF);
                upper.clone()
            }
        };
        let mode = match direction {
            Direction::Forward => IteratorMode::From(&seek, rocksdb::Direction::Forward),
            Direction::Backward => IteratorMode::From(&seek, rocksdb::Direction::Reverse),
        };
        Ok(TableScan {
            iter: self.db.iterator_cf(cf, mode),
            prefix,
            _table: PhantomData,
        })
    }

    /// The greatest key of a table, e.g. to resume a counter after restart.
    pub fn last_key<T: Table>(&self) -> Result<Option<T::Key>, StorageError> {
        let cf = self.cf(T::NAME)?;
        match self.db.iterator_cf(cf, IteratorMode::End).next() {
            None => Ok(None),
            Some(row) => {
                let (key, _) = row?;
                decode_key::<T>(&key).map(Some)
            }
        }
    }

    /// Flushes memtables to SST files (used at shutdown so restart is quick).
    pub fn flush(&self) -> Result<(), StorageError> {
        self.db.flush_wal(true)?;
        Ok(())
    }
}

fn table_options(cache: &Cache) -> Options {
    let mut opts = Options::default();
    opts.set_compression_type(rocksdb::DBCompressionType::Lz4);
    opts.set_write_buffer_size(TABLE_MEMTABLE_BYTES);
    // Arena blocks are what an idle table costs; keep them small.
    opts.set_arena_block_size(64 * 1024);
    let mut block = BlockBasedOptions::default();
    block.set_block_cache(cache);
    block.set_bloom_filter(10.0, false);
    block.set_cache_index_and_filter_blocks(true);
    opts.set_block_based_table_factory(&block);
    opts
}

fn decode_key<T: Table>(bytes: &[u8]) -> Result<T::Key, StorageError> {
    T::Key::decode(bytes).ok_or(StorageError::Corrupt {
        table: T::NAME,
        what: "key",
    })
}

fn decode_value<T: Table>(bytes: &[u8]) -> Result<T::Value, StorageError> {
    T::Value::decode_value(bytes).ok_or(StorageError::Corrupt {
        table: T::NAME,
        what: "value",
    })
}

/// An iterator over typed rows of one table within a key prefix.
pub struct TableScan<'a, T: Table> {
    iter: rocksdb::DBIteratorWithThreadMode<'a, DB>,
    prefix: Vec<u8>,
    _table: PhantomData<T>,
}

impl<T: Table> Iterator for TableScan<'_, T> {
    type Item = Result<(T::Key, T::Value), StorageError>;

    fn next(&mut self) -> Option<Self::Item> {
        let (key, value) = match self.iter.next()? {
            Ok(row) => row,
            Err(e) => return Some(Err(e.into())),
        };
        if !key.starts_with(&self.prefix) {
            return None;
        }
        Some(decode_key::<T>(&key).and_then(|k| Ok((k, decode_value::<T>(&value)?))))
    }
}

/// Writes collected for one atomic [`Db::write`].
pub struct Batch<'a> {
    db: &'a Db,
    inner: rocksdb::WriteBatch,
}

impl Batch<'_> {
    pub fn put<T: Table>(&mut self, key: &T::Key, value: &T::Value) -> Result<(), StorageError> {
        let cf = self.db.cf(T::NAME)?;
        self.inner.put_cf(cf, key.encode(), value.encode_value());
        Ok(())
    }

    pub fn delete<T: Table>(&mut self, key: &T::Key) -> Result<(), StorageError> {
        let cf = self.db.cf(T::NAME)?;
        self.inner.delete_cf(cf, key.encode());
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }
}
