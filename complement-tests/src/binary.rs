//! Locating the `plexus` binary under test.
//!
//! Order: `$PLEXUS_BIN`, then `$CARGO_TARGET_DIR/debug/plexus`, then the
//! workspace's `target/debug/plexus` next to this crate.

use std::path::PathBuf;

/// The binary to run; panics with a hint when none exists.
pub fn plexus_binary() -> PathBuf {
    let candidates = candidates();
    for candidate in &candidates {
        if candidate.is_file() {
            return candidate.clone();
        }
    }
    panic!(
        "plexus binary not found (tried {candidates:?}); build it with `cargo build -p plexus` \
         or set PLEXUS_BIN"
    );
}

fn candidates() -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(bin) = std::env::var_os("PLEXUS_BIN") {
        out.push(PathBuf::from(bin));
    }
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        out.push(PathBuf::from(dir).join("debug/plexus"));
    }
    out.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/debug/plexus"));
    out
}
