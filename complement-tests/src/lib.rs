//! Harness for the black-box suite (see `tests/`): [`TestServer`] runs the
//! real `plexus` binary on a free loopback port with a throw-away data
//! directory, and [`Client`] speaks the client-server API to it.
//!
//! Everything here panics with a descriptive message on unexpected failure:
//! the callers are tests, and a panic is how a test reports.

pub mod binary;
pub mod canonical;
pub mod cli;
pub mod client;
pub mod encode;
pub mod federation;
pub mod rooms;
pub mod server;
pub mod sync;

pub use client::{ApiResponse, Client};
pub use reqwest::Method;
pub use serde_json::{json, Value};
pub use server::{Registration, ServerOptions, TestServer};

/// Password used by tests that do not care which password an account has.
pub const PASSWORD: &str = "correct horse battery staple";
