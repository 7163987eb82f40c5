//! Rooms: creation with presets, membership changes, and reads of state
//! and members.

mod create;
mod federated;
mod membership;
mod read;
pub mod upgrade;

pub use create::{CreateRoom, Preset};
pub(crate) use read::hero_ids;
pub use read::Member;
