//! Unit tests of the E2EE services.
