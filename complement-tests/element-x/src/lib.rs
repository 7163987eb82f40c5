//! Harness for driving the real `plexus` binary with the matrix-rust-sdk,
//! the library Element X is built on: [`Device`] is one logged-in
//! `matrix_sdk::Client` (in-memory stores, end-to-end encryption on) running
//! matrix-sdk-ui's `SyncService` over simplified sliding sync (MSC4186).
//!
//! The server itself is complement-tests' `TestServer`. Every wait is bounded
//! by [`WAIT`]; a failed wait is an `Err` naming what was awaited.

// The SDK's futures are deep: their layouts need more than the default 128.
#![recursion_limit = "256"]

pub mod cast;
pub mod device;
pub mod everyone;
pub mod timeline;
pub mod wait;

pub use cast::Cast;
pub use device::Device;
pub use everyone::Everyone;
pub use wait::{wait_for, WAIT};
