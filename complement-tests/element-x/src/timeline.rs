//! Reading a matrix-sdk-ui `Timeline` as a client renders it: the event
//! items with their text, edits, reactions, thread and decryption state.

use anyhow::Result;
use matrix_sdk::ruma::EventId;
use matrix_sdk_ui::timeline::{EventTimelineItem, Timeline};

use crate::wait::wait_for;

/// The event items of `timeline` (virtual items such as date dividers left out).
pub async fn event_items(timeline: &Timeline) -> Vec<EventTimelineItem> {
    timeline
        .items()
        .await
        .iter()
        .filter_map(|item| item.as_event().cloned())
        .collect()
}

/// The message text of `item`, if it is a (decrypted) message.
pub fn body(item: &EventTimelineItem) -> Option<String> {
    item.content()
        .as_message()
        .map(|message| message.body().to_owned())
}

/// Every item for `event_id`: the SDK's timeline may briefly (or, after
/// some races of its own, lastingly) hold a stale copy beside the live one.
pub fn events_with_id<'a>(
    items: &'a [EventTimelineItem],
    event_id: &'a EventId,
) -> impl Iterator<Item = &'a EventTimelineItem> {
    items
        .iter()
        .filter(move |item| item.event_id() == Some(event_id))
}

/// The remote item whose message text is `text`.
pub fn find_text<'a>(items: &'a [EventTimelineItem], text: &str) -> Option<&'a EventTimelineItem> {
    items
        .iter()
        .find(|item| item.event_id().is_some() && body(item).as_deref() == Some(text))
}

/// One line per item, for failure messages.
pub fn describe(items: &[EventTimelineItem]) -> String {
    let lines: Vec<String> = items
        .iter()
        .map(|item| {
            let content = match body(item) {
                Some(text) => format!("{text:?}"),
                None if item.content().is_unable_to_decrypt() => "<unable to decrypt>".to_owned(),
                None => item
                    .content()
                    .event_type_str()
                    .unwrap_or_else(|| "<other>".to_owned()),
            };
            let reactions: Vec<&String> = item
                .content()
                .reactions()
                .map(|r| r.keys().collect())
                .unwrap_or_default();
            format!(
                "{:?} {} {content} edited={} reactions={reactions:?} thread_root={:?}",
                item.event_id(),
                item.sender(),
                item.content().as_message().is_some_and(|m| m.is_edited()),
                item.content().thread_root(),
            )
        })
        .collect();
    format!("[\n  {}\n]", lines.join("\n  "))
}

/// Waits until `check` finds what it looks for among the event items of
/// `timeline` on device `device`; the timeout error lists the items.
pub async fn wait_items<T>(
    device: &str,
    what: &str,
    timeline: &Timeline,
    check: impl Fn(&[EventTimelineItem]) -> Option<T>,
) -> Result<T> {
    wait_for(&format!("{device}: {what}"), || async {
        let items = event_items(timeline).await;
        check(&items).ok_or_else(|| describe(&items))
    })
    .await
}
