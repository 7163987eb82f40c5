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
    let graph = AuthGraph::walk(conflicted, fetch_event);
    let reaches = graph.reaches_conflicted();
    let mut subgraph: HashSet<OwnedEventId> = conflicted.clone();
    let on_paths = graph.ids.into_iter().zip(reaches).filter(|(_, r)| *r);
    subgraph.extend(on_paths.map(|(id, _)| id));
    subgraph
}

/// The auth graph reachable from the conflicted events, with events numbered densely so
/// that the reachability pass works on vectors rather than hash maps of event IDs.
struct AuthGraph {
    /// Event IDs by number.
    ids: Vec<OwnedEventId>,
    /// Auth events by number (empty for events that cannot be fetched).
    edges: Vec<Vec<u32>>,
    /// Whether each event is in the conflicted set.
    conflicted: Vec<bool>,
}

impl AuthGraph {
    /// Every event reachable through auth edges from the conflicted set, conflicted events
    /// included so that their edges are known.
    fn walk<E: Event>(
        conflicted: &HashSet<OwnedEventId>,
        fetch_event: &impl Fn(&EventId) -> Option<E>,
    ) -> Self {
        let mut graph = AuthGraph {
            ids: conflicted.iter().cloned().collect(),
            edges: Vec::new(),
            conflicted: vec![true; conflicted.len()],
        };
        let mut numbers: HashMap<OwnedEventId, u32> = graph.ids.iter().cloned().zip(0..).collect();
        // Events are numbered in discovery order, so walking the numbers in order visits each
        // discovered event exactly once.
        while graph.edges.len() < graph.ids.len() {
            let id = &graph.ids[graph.edges.len()];
            let auth_ids: Vec<OwnedEventId> = fetch_event(id)
                .map(|event| event.auth_events().map(ToOwned::to_owned).collect())
                .unwrap_or_default();
            let mut edges = Vec::with_capacity(auth_ids.len());
            for auth_id in auth_ids {
                let next = graph.ids.len() as u32;
                let number = *numbers.entry(auth_id).or_insert_with_key(|auth_id| {
                    graph.ids.push(auth_id.clone());
                    graph.conflicted.push(false);
                    next
                });
                edges.push(number);
            }
            graph.edges.push(edges);
        }
        graph
    }

    /// For each event, whether it reaches a conflicted event through one or more auth edges.
    /// Iterative post-order so that long auth chains cannot overflow the stack; an event
    /// met again while its own descendants are being explored (a malformed, cyclic graph)
    /// counts as not reaching through that edge.
    fn reaches_conflicted(&self) -> Vec<bool> {
        #[derive(Clone, Copy, PartialEq)]
        enum Visit {
            New,
            Open,
            Done,
        }
        let mut visit = vec![Visit::New; self.ids.len()];
        let mut reaches = vec![false; self.ids.len()];
        for start in 0..self.ids.len() {
            let mut stack: Vec<(usize, bool)> = vec![(start, false)];
            while let Some((node, children_done)) = stack.pop() {
                if children_done {
                    reaches[node] = self.edges[node].iter().any(|&child| {
                        let child = child as usize;
                        self.conflicted[child] || reaches[child]
                    });
                    visit[node] = Visit::Done;
                    continue;
                }
                if visit[node] != Visit::New {
                    continue;
                }
                visit[node] = Visit::Open;
                stack.push((node, true));
                let unvisited = self.edges[node].iter().map(|&c| c as usize);
                stack.extend(
                    unvisited
                        .filter(|&c| visit[c] == Visit::New)
                        .map(|c| (c, false)),
                );
            }
        }
        reaches
    }
}
