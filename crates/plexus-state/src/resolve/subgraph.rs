//! The v2.1 *conflicted state subgraph*: every event on an `auth_events` path between two
//! events of the conflicted state set.

use std::collections::{HashMap, HashSet};

use ruma::{EventId, OwnedEventId};

use crate::Event;

/// Computes the conflicted state subgraph of `conflicted` (which it includes).
///
/// An event lies on a path between two conflicted events exactly when it is reachable from a
/// conflicted event and can itself reach a conflicted event, so one forward walk and one
/// memoised reachability pass suffice instead of a search per pair.
pub(crate) fn conflicted_state_subgraph<E: Event>(
    conflicted: &HashSet<OwnedEventId>,
    fetch_event: &impl Fn(&EventId) -> Option<E>,
) -> HashSet<OwnedEventId> {
    let auth_edges = walk_auth_graph(conflicted, fetch_event);
    let mut reaches_conflicted: HashMap<&EventId, bool> = HashMap::new();
    let mut subgraph: HashSet<OwnedEventId> = conflicted.clone();
    for start in auth_edges.keys() {
        if reaches(start, conflicted, &auth_edges, &mut reaches_conflicted) {
            subgraph.insert(start.clone());
        }
    }
    subgraph
}

/// Every event reachable through at least one auth edge from the conflicted set, with its
/// auth edges. Conflicted events are included so their edges are known.
fn walk_auth_graph<E: Event>(
    conflicted: &HashSet<OwnedEventId>,
    fetch_event: &impl Fn(&EventId) -> Option<E>,
) -> HashMap<OwnedEventId, Vec<OwnedEventId>> {
    let mut edges: HashMap<OwnedEventId, Vec<OwnedEventId>> = HashMap::new();
    let mut stack: Vec<OwnedEventId> = conflicted.iter().cloned().collect();
    while let Some(id) = stack.pop() {
        if edges.contains_key(&id) {
            continue;
        }
        let auth: Vec<OwnedEventId> = fetch_event(&id)
            .map(|event| event.auth_events().map(ToOwned::to_owned).collect())
            .unwrap_or_default();
        stack.extend(auth.iter().filter(|a| !edges.contains_key(*a)).cloned());
        edges.insert(id, auth);
    }
    edges
}

/// Whether `start` reaches a conflicted event through one or more auth edges, memoised.
/// Iterative post-order so that long auth chains cannot overflow the stack.
fn reaches<'a>(
    start: &'a EventId,
    conflicted: &HashSet<OwnedEventId>,
    edges: &'a HashMap<OwnedEventId, Vec<OwnedEventId>>,
    memo: &mut HashMap<&'a EventId, bool>,
) -> bool {
    let mut stack: Vec<(&'a EventId, bool)> = vec![(start, false)];
    while let Some((id, children_done)) = stack.pop() {
        if memo.contains_key(id) {
            continue;
        }
        let children = edges.get(id).map(Vec::as_slice).unwrap_or_default();
        if children_done {
            let result = children.iter().any(|child| {
                conflicted.contains(child) || memo.get(&**child).copied().unwrap_or(false)
            });
            memo.insert(id, result);
            continue;
        }
        stack.push((id, true));
        for child in children {
            let child: &'a EventId = child;
            if !memo.contains_key(child) {
                stack.push((child, false));
            }
        }
    }
    memo[start]
}
