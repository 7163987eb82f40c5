//! Server-side search (`POST /search`, `room_events` category): a
//! case-insensitive word match over the events of the rooms the user is
//! joined to, scanned newest first through the global stream with a bound
//! per request, visible events only, with optional context around hits.

use std::collections::{BTreeMap, HashSet};

use plexus_core::Pdu;
use plexus_storage::{Direction, Json, KeyCodec};
use serde_json::{json, Value};

use crate::{
    filters::EventFilter,
    records::EventMetaRecord,
    tables::StreamEvents,
    timeline::{PageRequest, Viewer},
    Result, ServiceError, Services,
};

/// Most events one search request scans (matching or not).
pub const MAX_SCAN: usize = 10_000;
/// Results per page when the filter gives no limit.
const DEFAULT_LIMIT: usize = 10;
/// Most results per page, whatever the filter says.
const MAX_LIMIT: usize = 100;
/// The keys searched when the request names none.
pub const DEFAULT_KEYS: [&str; 3] = ["content.body", "content.name", "content.topic"];

/// Events to return around each result.
#[derive(Clone, Copy, Debug)]
pub struct ContextRequest {
    pub before: usize,
    pub after: usize,
    pub include_profile: bool,
}

/// A parsed `room_events` search.
#[derive(Clone, Debug, Default)]
pub struct SearchQuery {
    pub term: String,
    /// `content.body`, `content.name`, `content.topic`; empty means all three.
    pub keys: Vec<String>,
    pub filter: EventFilter,
    /// `order_by: rank` (else `recent`).
    pub by_rank: bool,
    pub context: Option<ContextRequest>,
    /// The `next_batch` of the previous page: the stream position to continue at.
    pub next_batch: Option<u64>,
}

/// Context of one result.
#[derive(Debug, Default)]
pub struct HitContext {
    pub events_before: Vec<Value>,
    pub events_after: Vec<Value>,
    pub start: Option<u64>,
    pub end: Option<u64>,
    /// user ID → {displayname, avatar_url} at the event.
    pub profile_info: BTreeMap<String, Value>,
}

/// One search result.
#[derive(Debug)]
pub struct SearchHit {
    pub rank: f64,
    pub event: Value,
    pub context: Option<HitContext>,
}

/// A page of results.
#[derive(Debug, Default)]
pub struct SearchPage {
    pub count: usize,
    pub results: Vec<SearchHit>,
    pub next_batch: Option<u64>,
    /// The words searched for, for clients to highlight.
    pub highlights: Vec<String>,
}

/// How well `pdu` matches `words` under `keys`: `None` when some word is missing.
fn rank_event(pdu: &Pdu, keys: &[String], words: &[String]) -> Option<f64> {
    let content = pdu.content_value();
    let texts: Vec<String> = keys
        .iter()
        .filter_map(|key| key.strip_prefix("content."))
        .filter_map(|field| content.get(field)?.as_str())
        .map(str::to_lowercase)
        .collect();
    if texts.is_empty() {
        return None;
    }
    let mut hits = 0usize;
    for word in words {
        let count: usize = texts
            .iter()
            .map(|text| text.matches(word.as_str()).count())
            .sum();
        if count == 0 {
            return None;
        }
        hits += count;
    }
    let length: usize = texts.iter().map(|t| t.split_whitespace().count()).sum();
    Some(hits as f64 / (1 + length) as f64)
}

fn search_words(term: &str) -> Vec<String> {
    term.split_whitespace().map(str::to_lowercase).collect()
}

impl Services {
    /// `/search` `room_events`: one page of matches, newest first (or by rank within the page).
    pub fn search_room_events(
        &self,
        viewer: Viewer<'_>,
        query: &SearchQuery,
    ) -> Result<SearchPage> {
        let words = search_words(&query.term);
        if words.is_empty() {
            return Err(ServiceError::invalid("search_term must not be empty"));
        }
        let keys: Vec<String> = if query.keys.is_empty() {
            DEFAULT_KEYS.iter().map(|k| (*k).to_owned()).collect()
        } else {
            query.keys.clone()
        };
        let rooms: HashSet<String> = self
            .joined_rooms(viewer.user)?
            .into_iter()
            .filter(|room| !query.filter.not_rooms.contains(room))
            .filter(|room| query.filter.rooms.as_ref().is_none_or(|r| r.contains(room)))
            .collect();
        let limit = query
            .filter
            .limit
            .unwrap_or(DEFAULT_LIMIT)
            .clamp(1, MAX_LIMIT);
        let mut page = SearchPage {
            highlights: words.clone(),
            ..SearchPage::default()
        };
        let from = query.next_batch.unwrap_or(u64::MAX);
        let start = from.encode();
        let rows = self
            .db
            .scan_from::<StreamEvents, _>(&(), Some(&start), Direction::Backward)?;
        for (scanned, row) in rows.enumerate() {
            let (stream, Json((room_id, event_id))) = row?;
            if page.results.len() >= limit || scanned >= MAX_SCAN {
                page.next_batch = Some(stream);
                break;
            }
            if !rooms.contains(&room_id) {
                continue;
            }
            let Some((pdu, meta)) = self.visible_event(viewer.user, &event_id)? else {
                continue;
            };
            if !query.filter.matches(&pdu) {
                continue;
            }
            let Some(rank) = rank_event(&pdu, &keys, &words) else {
                continue;
            };
            page.results
                .push(self.search_hit(viewer, &pdu, &meta, rank, query.context)?);
        }
        if query.by_rank {
            page.results.sort_by(|a, b| b.rank.total_cmp(&a.rank));
        }
        page.count = page.results.len();
        Ok(page)
    }

    fn search_hit(
        &self,
        viewer: Viewer<'_>,
        pdu: &Pdu,
        meta: &EventMetaRecord,
        rank: f64,
        context: Option<ContextRequest>,
    ) -> Result<SearchHit> {
        let context = match context {
            Some(request) => Some(self.hit_context(viewer, pdu, meta, request)?),
            None => None,
        };
        Ok(SearchHit {
            rank,
            event: self.render_event(pdu, meta, viewer, true)?,
            context,
        })
    }

    /// Visible events before and after a hit, with the senders' profiles at the hit.
    fn hit_context(
        &self,
        viewer: Viewer<'_>,
        pdu: &Pdu,
        meta: &EventMetaRecord,
        request: ContextRequest,
    ) -> Result<HitContext> {
        let filter = EventFilter::default();
        let page = |from, direction, limit| PageRequest {
            from,
            to: None,
            direction,
            limit,
        };
        let mut context = HitContext::default();
        if request.before > 0 {
            let before = page(
                meta.stream.saturating_sub(1),
                Direction::Backward,
                request.before,
            );
            let before = self.messages(viewer, &pdu.room_id, before, &filter)?;
            context.start = before.end;
            context.events_before = before.chunk;
        }
        if request.after > 0 {
            let after = page(meta.stream, Direction::Forward, request.after);
            let after = self.messages(viewer, &pdu.room_id, after, &filter)?;
            context.end = after.end;
            context.events_after = after.chunk;
        }
        if request.include_profile {
            context.profile_info = self.profiles_at(meta.state_after, pdu, &context)?;
        }
        Ok(context)
    }

    /// `{displayname, avatar_url}` of the senders of a hit and its context, from `group`.
    fn profiles_at(
        &self,
        group: u64,
        pdu: &Pdu,
        context: &HitContext,
    ) -> Result<BTreeMap<String, Value>> {
        let mut senders: HashSet<String> = context
            .events_before
            .iter()
            .chain(&context.events_after)
            .filter_map(|e| e["sender"].as_str().map(str::to_owned))
            .collect();
        senders.insert(pdu.sender.to_string());
        let mut profiles = BTreeMap::new();
        for sender in senders {
            let Some(member) = self.state_event_in_group(group, "m.room.member", &sender)? else {
                continue;
            };
            let content = member.content_value();
            let mut profile = serde_json::Map::new();
            for field in ["displayname", "avatar_url"] {
                if let Some(value) = content.get(field).filter(|v| v.is_string()) {
                    profile.insert(field.into(), value.clone());
                }
            }
            profiles.insert(sender, json!(profile));
        }
        Ok(profiles)
    }
}

#[cfg(test)]
mod tests;
