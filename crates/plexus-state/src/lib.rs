//! Matrix event authorization rules and state resolution for room versions 1–12.
//!
//! This crate is deliberately pure: no IO, no async, no storage. Callers hand in events through
//! the [`Event`] trait and closures that look events up; every per-room-version switch comes
//! from ruma's [`RoomVersionRules`] so that the version table lives in exactly one place in the
//! workspace. Signature checks (including `join_authorised_via_users_server`, rule 5.2) need
//! keys, so the caller does them before calling in.
//!
//! * [`auth_types_for_event`] — which state an event must cite in `auth_events`.
//! * [`check_auth`] — the authorization rules against a given state.
//! * [`check_auth_events`] — rule "considering the event's `auth_events`" (rule 2/3 family).
//! * [`check_auth_with_auth_events`] — both of the above against the PDU's own auth events.
//! * [`check_soft_fail`] — the same rules against the room's *current* state.
//! * [`resolve`] — state resolution v1, v2 and v2.1.
//! * [`redact`] — the per-version redaction algorithm.
//!
//! # Where this crate follows the spec text and ruma-state-res does not
//!
//! Differential tests against ruma-state-res agree on every generated case except:
//!
//! * State resolution v2 step 1 takes "the events in the auth chain of P which also belong to
//!   the full conflicted set"; ruma-state-res (like Synapse) only follows auth edges inside the
//!   full conflicted set. Rare (about 1 in 20,000 random cases); see [`ResolveOptions`].
//! * Room versions 1–5 accept "floaty" power levels (truncated); ruma rejects them.
//! * Before room version 6, `notifications` in power levels is ignored; ruma rejects garbage
//!   there.

mod auth;
mod error;
mod event;
pub mod fixture;
mod pdu;
mod redact;
mod resolve;

pub use auth::{
    auth_types_for_event, check_auth, check_auth_events, check_auth_with_auth_events,
    check_soft_fail, UserPowerLevel,
};
pub use error::{AuthError, ResolveError};
pub use event::{Event, StateMap};
pub use redact::redact;
pub use resolve::resolve;
#[doc(hidden)]
pub use resolve::{resolve_with_options, ResolveOptions};
pub use ruma::room_version_rules::{AuthorizationRules, RoomVersionRules, StateResolutionV2Rules};
