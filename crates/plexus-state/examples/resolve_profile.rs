//! Runs one state resolution of the benchmark input, for instruction-count profiling:
//!
//! ```text
//! cargo build --release -p plexus-state --example resolve_profile
//! valgrind --tool=callgrind --toggle-collect='*resolve_once*' \
//!     target/release/examples/resolve_profile plexus 11 1000
//! ```
//!
//! Arguments: `plexus` or `ruma`, the room version (`11` or `12`), the number of conflicted
//! keys and optionally a repetition count. Criterion's timings are noisy on a shared machine;
//! instruction counts of `resolve_once` are not.

#[allow(dead_code)]
#[path = "../tests/differential/ruma_adapter.rs"]
mod ruma_adapter;

#[allow(dead_code)]
#[path = "../benches/support/input.rs"]
mod input;

use std::{hint::black_box, time::Instant};

use input::{build_input, Input};
use ruma::RoomVersionId;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: resolve_profile plexus|ruma 11|12 CONFLICTED [REPEAT]";
    let [which, version, conflicted, rest @ ..] = args.as_slice() else {
        panic!("{usage}");
    };
    let version = match version.as_str() {
        "11" => RoomVersionId::V11,
        "12" => RoomVersionId::V12,
        _ => panic!("{usage}"),
    };
    let conflicted: usize = conflicted.parse().expect(usage);
    let repeat: usize = rest.first().map_or(1, |r| r.parse().expect(usage));
    let input = build_input(&version, conflicted);
    let started = Instant::now();
    for _ in 0..repeat {
        black_box(resolve_once(which == "ruma", &input));
    }
    eprintln!("{:?} per resolution", started.elapsed() / repeat as u32);
}

/// One resolution; the function callgrind's `--toggle-collect` selects.
#[inline(never)]
fn resolve_once(ruma: bool, input: &Input) -> usize {
    if ruma {
        return ruma_adapter::ruma_resolve(&input.room, &input.state_sets, &input.auth_chains)
            .unwrap()
            .len();
    }
    let fetch = |id: &ruma::EventId| input.room.fetch(id);
    plexus_state::resolve(
        &input.room.rules,
        &input.state_sets,
        input.auth_chains.clone(),
        fetch,
    )
    .unwrap()
    .len()
}
