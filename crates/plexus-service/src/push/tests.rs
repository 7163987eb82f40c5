//! Unit tests of push rules, pushers and notification counts.
