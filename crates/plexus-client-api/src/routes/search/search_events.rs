//! `POST /_matrix/client/v3/search`: the `room_events` category.

use plexus_service::{
    filters::EventFilter,
    search::{ContextRequest, HitContext, SearchHit, SearchQuery},
    sync::{make_token, parse_token},
    timeline::Viewer,
};
use ruma::{
    api::client::search::search_events::v3::{
        self as endpoint, Criteria, EventContextResult, OrderBy, ResultRoomEvents, SearchResult,
        UserProfile,
    },
    OwnedUserId, UInt,
};
use serde_json::Value;

use crate::{json::to_raw_vec, AppState, Error, Result, Ruma};

pub async fn search(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?.clone();
    let body = &request.body;
    let mut response = endpoint::Response::new(Default::default());
    let Some(criteria) = &body.search_categories.room_events else {
        return Ok(response);
    };
    let with_context = request
        .json
        .as_ref()
        .and_then(|j| j.pointer("/search_categories/room_events/event_context"))
        .is_some_and(Value::is_object);
    let query = parse_query(criteria, body.next_batch.as_deref(), with_context)?;
    let viewer = Viewer {
        user: &user.user_id,
        device: Some(&user.device_id),
    };
    let page = state.search_room_events(viewer, &query)?;
    let mut events = ResultRoomEvents::new();
    events.count = UInt::try_from(page.count as u64).ok();
    events.next_batch = page.next_batch.map(make_token);
    events.highlights = page.highlights;
    events.results = page
        .results
        .into_iter()
        .map(search_result)
        .collect::<Result<_>>()?;
    response.search_categories.room_events = events;
    Ok(response)
}

fn parse_query(
    criteria: &Criteria,
    next_batch: Option<&str>,
    with_context: bool,
) -> Result<SearchQuery> {
    let next_batch = next_batch
        .map(|t| parse_token(t).ok_or_else(|| Error::invalid("invalid next_batch token")))
        .transpose()?;
    let filter: EventFilter = serde_json::to_value(&criteria.filter)
        .ok()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    let as_count = |n: UInt| usize::try_from(u64::from(n)).unwrap_or(usize::MAX).min(100);
    let context = with_context.then(|| ContextRequest {
        before: as_count(criteria.event_context.before_limit),
        after: as_count(criteria.event_context.after_limit),
        include_profile: criteria.event_context.include_profile,
    });
    Ok(SearchQuery {
        term: criteria.search_term.clone(),
        keys: criteria
            .keys
            .iter()
            .flatten()
            .map(|k| k.as_str().to_owned())
            .collect(),
        filter,
        by_rank: criteria.order_by == Some(OrderBy::Rank),
        context,
        next_batch,
    })
}

fn search_result(hit: SearchHit) -> Result<SearchResult> {
    let mut result = SearchResult::new();
    result.rank = Some(hit.rank);
    result.result = Some(crate::json::to_raw(&hit.event)?);
    if let Some(context) = hit.context {
        result.context = context_result(context)?;
    }
    Ok(result)
}

fn context_result(context: HitContext) -> Result<EventContextResult> {
    let mut out = EventContextResult::new();
    out.start = context.start.map(make_token);
    out.end = context.end.map(make_token);
    out.events_before = to_raw_vec(&context.events_before)?;
    out.events_after = to_raw_vec(&context.events_after)?;
    for (user, profile) in context.profile_info {
        let Ok(user) = OwnedUserId::try_from(user) else {
            continue;
        };
        let mut entry = UserProfile::new();
        entry.displayname = profile["displayname"].as_str().map(str::to_owned);
        entry.avatar_url = profile["avatar_url"].as_str().map(Into::into);
        out.profile_info.insert(user, entry);
    }
    Ok(out)
}
