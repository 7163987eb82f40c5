//! In-process tests of the room endpoints: single events and redaction,
//! typing and receipts, the directory, and membership administration. One
//! test binary (modules below) keeps link time down.

#[path = "../common/mod.rs"]
mod common;
mod helpers;

mod directory;
mod ephemeral;
mod events;
mod membership;
