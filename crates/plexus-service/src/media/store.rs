//! The content store: file bytes under `<data_dir>/media/`, named by their
//! SHA-256 (`ab/cd/<64 hex>`), so identical files are stored once.
//!
//! A file is written to `media/tmp/<random>` (same filesystem, so the final
//! rename is atomic), fsynced, then renamed to its content name and the
//! directory fsynced. A crash at any point leaves at most a stray temp file,
//! never a partial file under a content name.

use std::{
    fs::File,
    io::{self, Write},
    path::{Path, PathBuf},
    time::{Duration, SystemTime},
};

use sha2::{Digest, Sha256};

/// Where content lives; cheap to build from the data directory.
#[derive(Clone, Debug)]
pub struct ContentStore {
    root: PathBuf,
}

/// A file being written: the open temp file and the running hash.
pub struct TempFile {
    path: PathBuf,
    file: File,
    hasher: Sha256,
    size: u64,
    committed: bool,
}

/// What was stored: the content name and its length.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredContent {
    pub sha256: String,
    pub size: u64,
}

impl ContentStore {
    pub fn new(root: impl Into<PathBuf>) -> ContentStore {
        ContentStore { root: root.into() }
    }

    /// The final path of the content with this SHA-256 (lower-case hex).
    /// `None` for anything that is not 64 hex digits, so no stored value can
    /// point outside the store.
    pub fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        let valid = sha256.len() == 64
            && sha256
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        valid.then(|| {
            self.root
                .join(&sha256[0..2])
                .join(&sha256[2..4])
                .join(sha256)
        })
    }

    fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// Opens a new temp file to stream content into.
    pub fn begin(&self) -> io::Result<TempFile> {
        let dir = self.tmp_dir();
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{}.part", super::id::generate()));
        let file = File::options().write(true).create_new(true).open(&path)?;
        Ok(TempFile {
            path,
            file,
            hasher: Sha256::new(),
            size: 0,
            committed: false,
        })
    }

    /// Stores a whole buffer (thumbnails, tests).
    pub fn put_bytes(&self, bytes: &[u8]) -> io::Result<StoredContent> {
        let mut temp = self.begin()?;
        temp.write(bytes)?;
        self.commit(temp)
    }

    /// Makes a temp file visible under its content name. If that content is
    /// already stored, the temp file is dropped: the bytes are identical.
    pub fn commit(&self, mut temp: TempFile) -> io::Result<StoredContent> {
        temp.file.sync_all()?;
        let sha256 = hex(&std::mem::take(&mut temp.hasher).finalize());
        let stored = StoredContent {
            sha256,
            size: temp.size,
        };
        let target = self
            .path_of(&stored.sha256)
            .expect("a SHA-256 is 64 hex digits");
        if target.exists() {
            return Ok(stored); // dedup: `temp` is removed on drop
        }
        let dir = target.parent().expect("content paths have a parent");
        std::fs::create_dir_all(dir)?;
        std::fs::rename(&temp.path, &target)?;
        temp.committed = true;
        // The rename is durable only once the directory entry is on disk.
        File::open(dir)?.sync_all()?;
        Ok(stored)
    }

    /// Removes temp files older than `age`: leftovers of a crash mid-upload.
    pub fn sweep_temp(&self, age: Duration) -> io::Result<usize> {
        let Ok(entries) = std::fs::read_dir(self.tmp_dir()) else {
            return Ok(0);
        };
        let cutoff = SystemTime::now() - age;
        let mut removed = 0;
        for entry in entries.flatten() {
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t < cutoff);
            if old && std::fs::remove_file(entry.path()).is_ok() {
                removed += 1;
            }
        }
        Ok(removed)
    }
}

impl TempFile {
    /// Appends bytes and feeds them to the hash.
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.hasher.update(bytes);
        self.file.write_all(bytes)?;
        self.size += bytes.len() as u64;
        Ok(())
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempFile {
    /// An abandoned upload (error, cancelled request, dedup) leaves nothing behind.
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha256_hex(bytes: &[u8]) -> String {
        hex(&Sha256::digest(bytes))
    }

    #[test]
    fn content_is_addressed_by_sha256_in_two_level_dirs() {
        let dir = tempfile::tempdir().unwrap();
        let store = ContentStore::new(dir.path());
        let stored = store.put_bytes(b"hello media").unwrap();
        assert_eq!(stored.sha256, sha256_hex(b"hello media"));
        assert_eq!(stored.size, 11);
        let path = store.path_of(&stored.sha256).unwrap();
        let expected = dir
            .path()
            .join(&stored.sha256[..2])
            .join(&stored.sha256[2..4])
            .join(&stored.sha256);
        assert_eq!(path, expected);
        assert_eq!(std::fs::read(path).unwrap(), b"hello media");
    }

    #[test]
    fn identical_content_is_stored_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = ContentStore::new(dir.path());
        let a = store.put_bytes(b"same bytes").unwrap();
        let b = store.put_bytes(b"same bytes").unwrap();
        let c = store.put_bytes(b"other bytes").unwrap();
        assert_eq!(a, b);
        assert_ne!(a.sha256, c.sha256);
        let files = walk(dir.path());
        assert_eq!(files.len(), 2, "{files:?}");
        assert!(
            std::fs::read_dir(dir.path().join("tmp"))
                .unwrap()
                .next()
                .is_none(),
            "temp files left"
        );
    }

    #[test]
    fn nothing_is_visible_under_the_content_name_before_commit() {
        let dir = tempfile::tempdir().unwrap();
        let store = ContentStore::new(dir.path());
        let body = vec![7u8; 100_000];
        let final_path = store.path_of(&sha256_hex(&body)).unwrap();
        let mut temp = store.begin().unwrap();
        temp.write(&body[..50_000]).unwrap();
        temp.write(&body[50_000..]).unwrap();
        assert!(!final_path.exists(), "content visible before the rename");
        assert!(temp.path().starts_with(dir.path().join("tmp")));
        // A crash here (no drop handler runs) leaves only the temp file.
        let temp_path = temp.path().to_owned();
        std::mem::forget(temp);
        assert!(!final_path.exists());
        assert_eq!(walk(dir.path()), vec![temp_path.clone()]);
        // ... which the sweep removes.
        assert_eq!(store.sweep_temp(Duration::ZERO).unwrap(), 1);
        assert!(!temp_path.exists());

        let mut temp = store.begin().unwrap();
        temp.write(&body).unwrap();
        let stored = store.commit(temp).unwrap();
        assert_eq!(std::fs::read(&final_path).unwrap(), body);
        assert_eq!(stored.size, 100_000);
    }

    #[test]
    fn abandoned_temp_files_are_removed_and_bad_names_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = ContentStore::new(dir.path());
        let mut temp = store.begin().unwrap();
        temp.write(b"partial").unwrap();
        let path = temp.path().to_owned();
        drop(temp);
        assert!(!path.exists());
        assert!(store.path_of("../../etc/passwd").is_none());
        assert!(store.path_of(&"A".repeat(64)).is_none());
    }

    fn walk(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else {
                out.push(path);
            }
        }
        out
    }
}
