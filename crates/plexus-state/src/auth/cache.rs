//! Memoised parsing of event contents.
//!
//! The authorization rules read the same few events over and over: every check in a state
//! resolution looks at the create event, the power levels and a couple of memberships, and
//! parsing their JSON dominated resolution time. A [`ParseCache`] remembers each event's parsed
//! content, power levels and creators by event ID. [`crate::check_auth`] uses a fresh cache
//! per call; state resolution shares one across all its checks.
//!
//! A cache must only ever see one room version's rules, as the parsed power levels and
//! creators depend on them.

use std::{
    borrow::Cow,
    cell::RefCell,
    collections::{BTreeSet, HashMap},
    rc::Rc,
};

use ruma::{room_version_rules::AuthorizationRules, EventId, OwnedEventId, OwnedUserId};
use serde_json::{Map, Value};

use super::{
    create::{room_creators, room_federates},
    power_levels::PowerLevels,
};
use crate::{AuthError, Event};

/// An event's content as a JSON object, or the parse error's message.
pub(crate) type ParsedContent = Rc<Result<Map<String, Value>, String>>;

/// Parsed contents, power levels and creators, keyed by event ID.
pub(crate) struct ParseCache {
    contents: Memo<ParsedContent>,
    power_levels: Memo<Result<Rc<PowerLevels>, AuthError>>,
    creators: Memo<Result<Rc<BTreeSet<OwnedUserId>>, AuthError>>,
    federates: Memo<Result<bool, AuthError>>,
    join_rules: Memo<Option<Cow<'static, str>>>,
}

impl Default for ParseCache {
    fn default() -> Self {
        Self::with_capacity(0)
    }
}

impl ParseCache {
    /// A cache sized for the contents of about `events` events, so that it never rehashes
    /// while a resolution fills it.
    pub fn with_capacity(events: usize) -> Self {
        // Consecutive checks nearly always read the same create and power levels events, so
        // those tables remember their last answer; contents are read in no such order.
        Self {
            contents: Memo::new(false, events),
            power_levels: Memo::new(true, 0),
            creators: Memo::new(true, 0),
            federates: Memo::new(true, 0),
            join_rules: Memo::new(true, 0),
        }
    }

    /// The event's content parsed as a JSON object.
    pub fn content<E: Event>(&self, event: &E) -> ParsedContent {
        self.contents.get_or_insert_with(event.event_id(), || {
            Rc::new(serde_json::from_str(event.content().get()).map_err(|e| e.to_string()))
        })
    }

    /// A top-level string property of the event's content. The values the rules compare
    /// against (memberships and join rules) are returned without allocating.
    pub fn content_str<E: Event>(&self, event: &E, key: &str) -> Option<Cow<'static, str>> {
        let content = self.content(event);
        let value = content.as_ref().as_ref().ok()?.get(key)?.as_str()?;
        Some(known_str(value))
    }

    /// The event's content parsed and validated as power levels.
    pub fn power_levels<E: Event>(
        &self,
        rules: &AuthorizationRules,
        event: &E,
    ) -> Result<Rc<PowerLevels>, AuthError> {
        self.power_levels.get_or_insert_with(event.event_id(), || {
            let content = self.content(event);
            let content = content
                .as_ref()
                .as_ref()
                .map_err(|e| AuthError::PowerLevels(format!("content: {e}")))?;
            PowerLevels::from_content(rules, content).map(Rc::new)
        })
    }

    /// The room creators named by a create event.
    pub fn creators<E: Event>(
        &self,
        rules: &AuthorizationRules,
        create: &E,
    ) -> Result<Rc<BTreeSet<OwnedUserId>>, AuthError> {
        self.creators.get_or_insert_with(create.event_id(), || {
            room_creators(rules, create, &self.content(create)).map(Rc::new)
        })
    }

    /// The `join_rule` of an `m.room.join_rules` event.
    pub fn join_rule<E: Event>(&self, event: &E) -> Option<Cow<'static, str>> {
        self.join_rules
            .get_or_insert_with(event.event_id(), || self.content_str(event, "join_rule"))
    }

    /// Whether a create event lets other servers take part (`m.federate`).
    pub fn federates<E: Event>(&self, create: &E) -> Result<bool, AuthError> {
        self.federates
            .get_or_insert_with(create.event_id(), || room_federates(&self.content(create)))
    }
}

/// `value` as a static string when it is one of the membership or join rule values.
fn known_str(value: &str) -> Cow<'static, str> {
    const KNOWN: [&str; 9] = [
        "join",
        "leave",
        "invite",
        "ban",
        "knock",
        "public",
        "restricted",
        "knock_restricted",
        "private",
    ];
    match KNOWN.iter().find(|known| **known == value) {
        Some(known) => Cow::Borrowed(known),
        None => Cow::Owned(value.to_owned()),
    }
}

/// A memo table from event ID to a cheaply cloned value.
struct Memo<T> {
    table: RefCell<HashMap<OwnedEventId, T>>,
    /// The last entry answered, checked before hashing, when `remember_last` is set.
    last: RefCell<Option<(OwnedEventId, T)>>,
    remember_last: bool,
}

impl<T: Clone> Memo<T> {
    fn new(remember_last: bool, capacity: usize) -> Self {
        Self {
            table: RefCell::new(HashMap::with_capacity(capacity)),
            last: RefCell::new(None),
            remember_last,
        }
    }

    /// The value for `id`, computing it on first use. No table is borrowed while `compute`
    /// runs, so `compute` may consult other memo tables (or this one).
    fn get_or_insert_with(&self, id: &EventId, compute: impl FnOnce() -> T) -> T {
        if let Some((last_id, value)) = &*self.last.borrow() {
            if **last_id == *id {
                return value.clone();
            }
        }
        let known = self.table.borrow().get(id).cloned();
        let value = known.unwrap_or_else(|| {
            let value = compute();
            self.table.borrow_mut().insert(id.to_owned(), value.clone());
            value
        });
        if self.remember_last {
            *self.last.borrow_mut() = Some((id.to_owned(), value.clone()));
        }
        value
    }
}
