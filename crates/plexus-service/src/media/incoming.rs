//! [`IncomingFile`]: an upload streamed chunk by chunk into the content
//! store. Chunks are gathered into blocks of [`BLOCK`] bytes, and each block
//! is hashed and written on the blocking pool, so a 50 MB upload is held in
//! memory at most one block at a time and hashing never stalls the runtime.

use super::store::{ContentStore, StoredContent, TempFile};
use crate::{Result, ServiceError};

/// Bytes gathered before one write to disk.
const BLOCK: usize = 1 << 20;

/// An upload in progress; dropped without [`IncomingFile::finish`], it leaves nothing.
pub struct IncomingFile {
    store: ContentStore,
    /// `None` only while a block is being written, or after a failed write.
    temp: Option<TempFile>,
    block: Vec<u8>,
    received: u64,
    limit: u64,
}

impl IncomingFile {
    pub(super) fn new(store: ContentStore, limit: u64) -> Result<IncomingFile> {
        let temp = store.begin().map_err(io_error)?;
        Ok(IncomingFile {
            store,
            temp: Some(temp),
            block: Vec::with_capacity(BLOCK),
            received: 0,
            limit,
        })
    }

    /// Appends a chunk of the body; refuses once the upload passes the size limit.
    pub async fn write(&mut self, chunk: &[u8]) -> Result<()> {
        self.received += chunk.len() as u64;
        if self.received > self.limit {
            return Err(too_large(self.limit));
        }
        self.block.extend_from_slice(chunk);
        if self.block.len() >= BLOCK {
            self.flush().await?;
        }
        Ok(())
    }

    /// Bytes received so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    async fn flush(&mut self) -> Result<()> {
        let mut temp = self
            .temp
            .take()
            .ok_or_else(|| ServiceError::internal("upload already failed"))?;
        let block = std::mem::take(&mut self.block);
        let (temp, mut block) =
            tokio::task::spawn_blocking(move || temp.write(&block).map(|()| (temp, block)))
                .await
                .map_err(ServiceError::internal)?
                .map_err(io_error)?;
        block.clear();
        self.temp = Some(temp);
        self.block = block;
        Ok(())
    }

    /// Writes the last block; the file is then complete but not yet visible.
    pub(super) async fn complete(mut self) -> Result<PendingCommit> {
        self.flush().await?;
        let temp = self
            .temp
            .take()
            .ok_or_else(|| ServiceError::internal("upload already failed"))?;
        Ok(PendingCommit {
            store: self.store.clone(),
            temp,
        })
    }
}

/// A fully received upload whose bytes are not yet under their content name.
pub(super) struct PendingCommit {
    store: ContentStore,
    temp: TempFile,
}

impl PendingCommit {
    pub(super) fn size(&self) -> u64 {
        self.temp.size()
    }

    /// Fsyncs and moves the file under its content name (on the blocking pool).
    pub(super) async fn commit(self) -> Result<StoredContent> {
        let PendingCommit { store, temp } = self;
        tokio::task::spawn_blocking(move || store.commit(temp))
            .await
            .map_err(ServiceError::internal)?
            .map_err(io_error)
    }
}

pub(super) fn too_large(limit: u64) -> ServiceError {
    ServiceError::TooLarge(format!("uploads are limited to {limit} bytes"))
}

pub(super) fn io_error(e: std::io::Error) -> ServiceError {
    ServiceError::internal(format!("media store: {e}"))
}
