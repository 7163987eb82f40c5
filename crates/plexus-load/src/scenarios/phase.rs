//! A timed "rate phase": run N operations with bounded concurrency and record each
//! one's latency and completion time.

use super::Ctx;
use crate::report::Report;
use crate::stats::{per_second, rate, Summary};
use crate::util;
use anyhow::Result;
use std::future::Future;
use std::time::Duration;
use tokio::time::Instant;

/// What a phase measured.
pub struct Phase<T> {
    /// Values of the operations that succeeded, by index.
    pub ok: Vec<(usize, T)>,
    /// Latency of each successful operation.
    pub latencies: Vec<Duration>,
    /// Completion offset of each successful operation from the phase start.
    pub completions: Vec<Duration>,
    /// Wall time of the whole phase.
    pub elapsed: Duration,
}

impl<T> Phase<T> {
    /// Adds `<name>_ok`, `<name>_per_s` and `<name>_ms_*` to the report.
    pub fn report(&self, r: &mut Report, name: &str) {
        r.add(&format!("{name}_ok"), self.ok.len() as f64);
        r.add(&format!("{name}_per_s"), rate(self.ok.len(), self.elapsed));
        r.add_latency(name, Summary::from_durations(&self.latencies));
    }

    /// Successes per whole second of the phase.
    pub fn per_second(&self) -> Vec<u64> {
        per_second(&self.completions)
    }
}

/// Runs `f(i)` for `i` in `0..n`, `ctx.concurrency` at a time; errors are recorded
/// under `what`.
pub async fn run<F, Fut, T>(ctx: &Ctx, n: usize, what: &str, f: F) -> Phase<T>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = Result<T>> + Send + 'static,
    T: Send + 'static,
{
    let start = Instant::now();
    let done = util::bounded(n, ctx.concurrency, ctx.deadline, |i| {
        let fut = f(i);
        async move {
            let t = Instant::now();
            let r = fut.await;
            let lat = t.elapsed();
            (r, lat, (t - start) + lat)
        }
    })
    .await;
    let elapsed = start.elapsed();
    let mut phase = Phase {
        ok: Vec::new(),
        latencies: Vec::new(),
        completions: Vec::new(),
        elapsed,
    };
    for (i, (r, lat, done_at)) in done {
        match r {
            Ok(v) => {
                phase.ok.push((i, v));
                phase.latencies.push(lat);
                phase.completions.push(done_at);
            }
            Err(e) => ctx.errors.record(format!("{what}: {e:#}")),
        }
    }
    phase
}
