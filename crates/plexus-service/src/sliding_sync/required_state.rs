//! `required_state`: which state entries a room's response carries. An
//! entry is `[type, state_key]`; `*` matches any type or any key, `$ME`
//! is the syncing user, and `["m.room.member", "$LAZY"]` asks for the
//! members of the timeline's senders only.

use std::collections::BTreeSet;

const WILDCARD: &str = "*";
const ME: &str = "$ME";
const LAZY: &str = "$LAZY";
const MEMBER: &str = "m.room.member";

#[derive(Clone, Debug, Default)]
pub(crate) struct RequiredState {
    /// (type, key) patterns with `$ME` resolved; `*` still a wildcard.
    patterns: Vec<(String, String)>,
    lazy_members: bool,
}

impl RequiredState {
    pub(crate) fn new(config: &[(String, String)], user: &str) -> Self {
        let mut wanted = RequiredState::default();
        for (kind, key) in config {
            match key.as_str() {
                LAZY if kind == MEMBER => wanted.lazy_members = true,
                LAZY => {}
                ME => wanted.patterns.push((kind.clone(), user.to_owned())),
                _ => wanted.patterns.push((kind.clone(), key.clone())),
            }
        }
        wanted
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.patterns.is_empty() && !self.lazy_members
    }

    pub(crate) fn lazy_members(&self) -> bool {
        self.lazy_members
    }

    /// Whether the entry (kind, key) is wanted; `lazy` holds the members
    /// `$LAZY` asks for (senders in the timeline).
    pub(crate) fn wants(&self, kind: &str, key: &str, lazy: &BTreeSet<String>) -> bool {
        let matched = self
            .patterns
            .iter()
            .any(|(k, s)| (k == WILDCARD || k == kind) && (s == WILDCARD || s == key));
        matched || (self.lazy_members && kind == MEMBER && lazy.contains(key))
    }

    /// The exact entries to look up when no pattern has a wildcard (the
    /// common case: no need to walk the whole room state).
    pub(crate) fn exact_entries(&self) -> Option<Vec<(String, String)>> {
        let wildcard = self
            .patterns
            .iter()
            .any(|(k, s)| k == WILDCARD || s == WILDCARD);
        (!wildcard).then(|| self.patterns.clone())
    }
}
