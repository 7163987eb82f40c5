//! Hand-built hard cases for state resolution: ban vs power levels, concurrent joins, the
//! topic/power-level race, a state reset that v2 allows and v2.1 forbids, and v1 basics.

use ruma::{events::StateEventType, OwnedEventId, OwnedUserId, RoomVersionId, UserId};
use serde_json::{json, Value};

use crate::{
    fixture::{NewEvent, RoomBuilder},
    resolve, StateMap,
};

fn user(name: &str) -> OwnedUserId {
    UserId::parse(format!("@{name}:example.org")).expect("valid user ID")
}

/// One branch of history: its state and newest event.
#[derive(Clone)]
struct Branch {
    state: StateMap<OwnedEventId>,
    head: OwnedEventId,
}

struct Dag {
    builder: RoomBuilder,
}

impl Dag {
    /// A public room where alice (creator) has 100, bob 50 and carol 0; all three joined.
    fn new(version: &RoomVersionId) -> (Self, Branch) {
        let builder = RoomBuilder::new(version, &user("alice"), json!({}));
        let head = builder.create_id.clone();
        let mut branch = Branch {
            state: builder.initial_state(),
            head,
        };
        let mut dag = Dag { builder };
        let alice = user("alice");
        dag.add(
            &mut branch,
            NewEvent::member(&alice, alice.as_str(), "join"),
        );
        let levels = dag.levels(json!({ user("bob").as_str(): 50 }), json!({}));
        dag.add(
            &mut branch,
            NewEvent::state(&alice, "m.room.power_levels", "", levels),
        );
        let rule = json!({ "join_rule": "public" });
        dag.add(
            &mut branch,
            NewEvent::state(&alice, "m.room.join_rules", "", rule),
        );
        for name in ["bob", "carol"] {
            let who = user(name);
            dag.add(&mut branch, NewEvent::member(&who, who.as_str(), "join"));
        }
        (dag, branch)
    }

    /// Power levels content: alice at 100 unless she is an (infinitely powerful) v12 creator.
    fn levels(&self, mut users: Value, extra: Value) -> Value {
        if !self
            .builder
            .rules
            .authorization
            .explicitly_privilege_room_creators
        {
            users[user("alice").as_str()] = json!(100);
        }
        let mut content = json!({ "users": users });
        if let (Some(base), Value::Object(extra)) = (content.as_object_mut(), extra) {
            base.extend(extra);
        }
        content
    }

    /// Appends an event to the branch (no auth check: branches are what servers claimed).
    fn add(&mut self, branch: &mut Branch, new: NewEvent<'_>) -> OwnedEventId {
        let new = new.after(std::slice::from_ref(&branch.head));
        let event = self.builder.build(new, &branch.state);
        if let Some(key) = &event.state_key {
            let slot = (event.event_type.to_string().into(), key.clone());
            branch.state.insert(slot, event.event_id.clone());
        }
        branch.head = event.event_id.clone();
        branch.head.clone()
    }

    fn resolve(&self, branches: &[&Branch]) -> StateMap<OwnedEventId> {
        let sets: Vec<_> = branches.iter().map(|b| b.state.clone()).collect();
        let chains = sets
            .iter()
            .map(|s| self.builder.auth_chain(s.values()))
            .collect();
        resolve(&self.builder.rules, &sets, chains, |id| {
            self.builder.fetch(id)
        })
        .expect("resolution succeeds")
    }
}

fn slot(kind: StateEventType, key: &str) -> (StateEventType, String) {
    (kind, key.to_owned())
}

fn v2_versions() -> [RoomVersionId; 4] {
    [
        RoomVersionId::V2,
        RoomVersionId::V6,
        RoomVersionId::V10,
        RoomVersionId::V12,
    ]
}

#[test]
fn ban_vs_power_levels_the_demotion_by_the_stronger_user_wins() {
    for version in v2_versions() {
        let (mut dag, base) = Dag::new(&version);
        let (alice, bob, carol) = (user("alice"), user("bob"), user("carol"));
        let mut demote = base.clone();
        let levels = dag.levels(json!({ bob.as_str(): 0 }), json!({}));
        let pl = dag.add(
            &mut demote,
            NewEvent::state(&alice, "m.room.power_levels", "", levels),
        );
        let mut ban = base.clone();
        dag.add(&mut ban, NewEvent::member(&bob, carol.as_str(), "ban"));
        let resolved = dag.resolve(&[&demote, &ban]);
        // alice outranks bob, so her power levels sort first and bob's ban fails against them.
        assert_eq!(
            resolved[&slot(StateEventType::RoomPowerLevels, "")],
            pl,
            "{version}"
        );
        let carol_member = &resolved[&slot(StateEventType::RoomMember, carol.as_str())];
        assert_eq!(
            carol_member,
            &base.state[&slot(StateEventType::RoomMember, carol.as_str())]
        );
    }
}

#[test]
fn concurrent_joins_both_survive() {
    for version in v2_versions() {
        let (mut dag, base) = Dag::new(&version);
        let (dave, erin) = (user("dave"), user("erin"));
        let (mut a, mut b) = (base.clone(), base.clone());
        let dave_join = dag.add(&mut a, NewEvent::member(&dave, dave.as_str(), "join"));
        let erin_join = dag.add(&mut b, NewEvent::member(&erin, erin.as_str(), "join"));
        let resolved = dag.resolve(&[&a, &b]);
        assert_eq!(
            resolved[&slot(StateEventType::RoomMember, dave.as_str())],
            dave_join
        );
        assert_eq!(
            resolved[&slot(StateEventType::RoomMember, erin.as_str())],
            erin_join
        );
    }
}

#[test]
fn topic_vs_power_levels_race_the_topic_needs_the_new_level() {
    for version in v2_versions() {
        let (mut dag, mut base) = Dag::new(&version);
        let (alice, bob) = (user("alice"), user("bob"));
        let topic = |text: &str| json!({ "topic": text });
        let original = dag.add(
            &mut base,
            NewEvent::state(&alice, "m.room.topic", "", topic("old")),
        );
        let mut lock = base.clone();
        let events = json!({ "events": { "m.room.topic": 100 } });
        let levels = dag.levels(json!({ bob.as_str(): 50 }), events);
        dag.add(
            &mut lock,
            NewEvent::state(&alice, "m.room.power_levels", "", levels),
        );
        let mut change = base.clone();
        dag.add(
            &mut change,
            NewEvent::state(&bob, "m.room.topic", "", topic("bob's")),
        );
        let resolved = dag.resolve(&[&lock, &change]);
        assert_eq!(
            resolved[&slot(StateEventType::RoomTopic, "")],
            original,
            "{version}"
        );
    }
}

/// A chain of power levels P1 → P2 → P3 where one state set still names P1 although its other
/// events cite P2. v2 only sees {P1, P3} as conflicted, applies P1 and then rejects P3 (carol's
/// power came from P2): the power levels reset to P1. v2.1 adds P2 as part of the conflicted
/// state subgraph and starts from an empty state, so P1, P2 and P3 all apply.
#[test]
fn state_reset_that_v2_allows_and_v2_1_forbids() {
    for (version, expect_reset) in [(RoomVersionId::V11, true), (RoomVersionId::V12, false)] {
        let (mut dag, mut branch) = Dag::new(&version);
        let (alice, bob, carol, dave) = (user("alice"), user("bob"), user("carol"), user("dave"));
        dag.add(&mut branch, NewEvent::member(&dave, dave.as_str(), "join"));
        let p1_levels = dag.levels(json!({ bob.as_str(): 100 }), json!({}));
        let p1 = dag.add(
            &mut branch,
            NewEvent::state(&alice, "m.room.power_levels", "", p1_levels),
        );
        let p2_levels = dag.levels(json!({ bob.as_str(): 100, carol.as_str(): 50 }), json!({}));
        dag.add(
            &mut branch,
            NewEvent::state(&bob, "m.room.power_levels", "", p2_levels.clone()),
        );
        let rename = json!({ "membership": "join", "displayname": "Dave" });
        dag.add(
            &mut branch,
            NewEvent::state(&dave, "m.room.member", dave.as_str(), rename),
        );
        let mut p3_levels = p2_levels;
        p3_levels["events"] = json!({ "m.room.topic": 50 });
        let p3 = dag.add(
            &mut branch,
            NewEvent::state(&carol, "m.room.power_levels", "", p3_levels),
        );
        let mut reset_view = branch.clone();
        reset_view
            .state
            .insert(slot(StateEventType::RoomPowerLevels, ""), p1.clone());

        let resolved = dag.resolve(&[&branch, &reset_view]);
        let expected = if expect_reset { &p1 } else { &p3 };
        assert_eq!(
            &resolved[&slot(StateEventType::RoomPowerLevels, "")],
            expected,
            "{version}"
        );
    }
}

#[test]
fn unconflicted_state_is_returned_unchanged() {
    let (dag, base) = Dag::new(&RoomVersionId::V10);
    assert_eq!(dag.resolve(&[&base, &base]), base.state);
}

#[test]
fn v1_resolution_prefers_higher_depth_for_ordinary_state() {
    let (mut dag, base) = Dag::new(&RoomVersionId::V1);
    let alice = user("alice");
    let (mut short, mut long) = (base.clone(), base.clone());
    let topic = |t: &str| NewEvent::state(&alice, "m.room.topic", "", json!({ "topic": t }));
    dag.add(&mut short, topic("shallow"));
    dag.add(
        &mut long,
        NewEvent::message(&alice, "m.room.message", json!({})),
    );
    let deep = dag.add(&mut long, topic("deep"));
    let resolved = dag.resolve(&[&short, &long]);
    assert_eq!(resolved[&slot(StateEventType::RoomTopic, "")], deep);
}

#[test]
fn v1_resolution_stops_power_levels_at_the_first_unauthorised_event() {
    let (mut dag, base) = Dag::new(&RoomVersionId::V1);
    let (alice, bob) = (user("alice"), user("bob"));
    let (mut a, mut b) = (base.clone(), base.clone());
    // Shallower: alice demotes bob. Deeper: bob (still 50 there) raises state_default.
    let demote = dag.levels(json!({ bob.as_str(): 0 }), json!({}));
    let first = dag.add(
        &mut a,
        NewEvent::state(&alice, "m.room.power_levels", "", demote),
    );
    dag.add(&mut b, NewEvent::message(&bob, "m.room.message", json!({})));
    let bumped = dag.levels(json!({ bob.as_str(): 50 }), json!({ "state_default": 40 }));
    dag.add(
        &mut b,
        NewEvent::state(&bob, "m.room.power_levels", "", bumped),
    );
    let resolved = dag.resolve(&[&a, &b]);
    // The shallowest goes in first; bob (now 0) may not replace it.
    assert_eq!(resolved[&slot(StateEventType::RoomPowerLevels, "")], first);
}

/// bob changes the power levels (P) and is banned afterwards (B, citing P). One state set
/// still names the old power levels P0 while both agree on the ban. v2 checks P against the
/// unconflicted state, where bob is banned, and drops it; v2.1 starts from an empty state, so P
/// is checked against its own auth events (bob joined) and stays.
#[test]
fn v2_1_starts_iterative_auth_checks_from_an_empty_state() {
    for (version, expect_p) in [(RoomVersionId::V11, false), (RoomVersionId::V12, true)] {
        let (mut dag, mut branch) = Dag::new(&version);
        let (alice, bob) = (user("alice"), user("bob"));
        let p0 = branch.state[&slot(StateEventType::RoomPowerLevels, "")].clone();
        let events = json!({ "events": { "m.room.topic": 50 } });
        let levels = dag.levels(json!({ bob.as_str(): 50 }), events);
        let p = dag.add(
            &mut branch,
            NewEvent::state(&bob, "m.room.power_levels", "", levels),
        );
        dag.add(&mut branch, NewEvent::member(&alice, bob.as_str(), "ban"));
        let mut stale = branch.clone();
        stale
            .state
            .insert(slot(StateEventType::RoomPowerLevels, ""), p0.clone());

        let resolved = dag.resolve(&[&branch, &stale]);
        let expected = if expect_p { &p } else { &p0 };
        assert_eq!(
            &resolved[&slot(StateEventType::RoomPowerLevels, "")],
            expected,
            "{version}"
        );
    }
}
