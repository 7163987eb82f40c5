//! State resolution benchmark: a room with 10,000 state events forked into two branches that
//! disagree on 100–1,000 keys, resolved by plexus-state and by ruma-state-res on the same
//! input. Run with `cargo bench -p plexus-state --bench resolve`.

#[allow(dead_code)]
#[path = "../tests/differential/ruma_adapter.rs"]
mod ruma_adapter;

#[path = "support/input.rs"]
mod input;

use std::{hint::black_box, time::Duration};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use input::build_input;
use plexus_state::resolve;
use ruma::RoomVersionId;

fn bench_resolve(c: &mut Criterion) {
    let mut group = c.benchmark_group("resolve_10k_state");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10))
        .warm_up_time(Duration::from_secs(1));
    for conflicted in [100, 300, 1000] {
        let input = build_input(&RoomVersionId::V11, conflicted);
        let fetch = |id: &ruma::EventId| input.room.fetch(id);
        // Same input, same answer: otherwise the comparison would be meaningless.
        let ours = resolve(
            &input.room.rules,
            &input.state_sets,
            input.auth_chains.clone(),
            fetch,
        );
        let theirs = ruma_adapter::ruma_resolve(&input.room, &input.state_sets, &input.auth_chains);
        assert_eq!(
            ours.unwrap(),
            theirs.unwrap(),
            "plexus and ruma disagree on the bench input"
        );
        group.bench_with_input(
            BenchmarkId::new("plexus_v11", conflicted),
            &input,
            |b, input| {
                b.iter(|| {
                    resolve(
                        &input.room.rules,
                        &input.state_sets,
                        input.auth_chains.clone(),
                        fetch,
                    )
                    .unwrap()
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("ruma_v11", conflicted),
            &input,
            |b, input| {
                b.iter(|| {
                    ruma_adapter::ruma_resolve(&input.room, &input.state_sets, &input.auth_chains)
                        .unwrap()
                })
            },
        );
        let v12 = build_input(&RoomVersionId::V12, conflicted);
        let fetch12 = |id: &ruma::EventId| v12.room.fetch(id);
        group.bench_with_input(
            BenchmarkId::new("plexus_v12", conflicted),
            &v12,
            |b, input| {
                b.iter(|| {
                    black_box(
                        resolve(
                            &input.room.rules,
                            &input.state_sets,
                            input.auth_chains.clone(),
                            fetch12,
                        )
                        .unwrap(),
                    )
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench_resolve);
criterion_main!(benches);
