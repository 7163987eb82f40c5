//! Shared helpers: bounded concurrent execution, error tallies and unique names.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// How many error messages are kept as samples.
const ERROR_SAMPLES: usize = 5;

/// Counts errors and keeps the first few messages.
#[derive(Clone, Default)]
pub struct Errors {
    count: Arc<AtomicU64>,
    samples: Arc<Mutex<Vec<String>>>,
}

impl Errors {
    /// Records one error.
    pub fn record(&self, err: impl std::fmt::Display) {
        self.count.fetch_add(1, Ordering::Relaxed);
        let mut s = self.samples.lock().expect("error samples lock");
        if s.len() < ERROR_SAMPLES {
            s.push(err.to_string());
        }
    }

    /// Number of errors recorded.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// The first few error messages.
    pub fn samples(&self) -> Vec<String> {
        self.samples.lock().expect("error samples lock").clone()
    }
}

/// Runs `f(0..count)` with at most `concurrency` in flight, starting nothing after
/// `deadline` and abandoning anything still running at `deadline`. Returns the results
/// that finished in time, each with its index.
pub async fn bounded<F, Fut, T>(
    count: usize,
    concurrency: usize,
    deadline: Instant,
    f: F,
) -> Vec<(usize, T)>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let sem = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut set = JoinSet::new();
    for i in 0..count {
        let permit = tokio::select! {
            p = sem.clone().acquire_owned() => p.expect("semaphore open"),
            _ = tokio::time::sleep_until(deadline) => break,
        };
        let fut = f(i);
        set.spawn(async move {
            let r = tokio::time::timeout_at(deadline, fut).await.ok();
            drop(permit);
            (i, r)
        });
    }
    let mut out = Vec::with_capacity(count);
    while let Some(joined) = set.join_next().await {
        if let Ok((i, Some(r))) = joined {
            out.push((i, r));
        }
    }
    out.sort_by_key(|(i, _)| *i);
    out
}

/// Runs `fut`, returning its result and how long it took.
pub async fn timed<T>(fut: impl Future<Output = T>) -> (T, Duration) {
    let t = Instant::now();
    let r = fut.await;
    (r, t.elapsed())
}

/// A short identifier unique to this run, usable in user names (lowercase, digits).
pub fn run_id() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let mixed = now.as_millis() as u64 ^ ((std::process::id() as u64) << 40);
    to_base36(mixed)
}

fn to_base36(mut n: u64) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).expect("ascii")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base36() {
        assert_eq!(to_base36(0), "0");
        assert_eq!(to_base36(35), "z");
        assert_eq!(to_base36(36), "10");
        assert!(run_id().chars().all(|c| c.is_ascii_alphanumeric()));
    }

    #[tokio::test]
    async fn bounded_runs_everything_and_keeps_order() {
        let deadline = Instant::now() + Duration::from_secs(5);
        let out = bounded(20, 3, deadline, |i| async move { i * 2 }).await;
        assert_eq!(out.len(), 20);
        assert!(out.iter().all(|(i, v)| *v == i * 2));
    }

    #[tokio::test]
    async fn bounded_stops_at_deadline() {
        let deadline = Instant::now() + Duration::from_millis(100);
        let out = bounded(5, 1, deadline, |_| async {
            tokio::time::sleep(Duration::from_secs(10)).await;
        })
        .await;
        assert!(out.is_empty());
    }

    #[test]
    fn errors_keep_samples() {
        let e = Errors::default();
        for i in 0..10 {
            e.record(i);
        }
        assert_eq!(e.count(), 10);
        assert_eq!(e.samples().len(), ERROR_SAMPLES);
    }
}
