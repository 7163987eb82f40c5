//! `plexus-load`: a load generator and benchmark harness for Matrix homeservers.
//!
//! It speaks only the Matrix client-server API over HTTP, so the same scenarios run
//! unchanged against Plexus, Synapse or the built-in [`ceiling`] server (a minimal
//! in-memory responder that shows what the machine itself can do).
//!
//! Every scenario is bounded in count and in time, and the target must be a loopback
//! address unless explicitly allowed (see [`guard`]).

pub mod ceiling;
pub mod cli;
pub mod client;
pub mod guard;
pub mod procmon;
pub mod ready;
pub mod report;
pub mod runner;
pub mod scenarios;
pub mod stats;
pub mod util;
