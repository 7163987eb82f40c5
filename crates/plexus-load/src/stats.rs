//! Latency statistics.
//!
//! Percentiles use the **nearest-rank** definition: for `n` sorted samples and a
//! percentile `p` in `(0, 100]`, the result is the sample at 1-based rank
//! `ceil(p / 100 * n)`; `p = 0` gives the minimum. The result is therefore always one
//! of the measured samples, never an interpolation.

use serde::Serialize;
use std::time::Duration;

/// Nearest-rank percentile of already **sorted** samples; `None` when empty.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() || !(0.0..=100.0).contains(&p) {
        return None;
    }
    let n = sorted.len();
    let rank = ((p / 100.0) * n as f64).ceil() as usize;
    let idx = rank.clamp(1, n) - 1;
    Some(sorted[idx])
}

/// Summary of a set of latencies, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    /// Number of samples.
    pub count: usize,
    /// Median (nearest rank).
    pub p50: f64,
    /// 90th percentile (nearest rank).
    pub p90: f64,
    /// 99th percentile (nearest rank).
    pub p99: f64,
    /// Largest sample.
    pub max: f64,
    /// Arithmetic mean.
    pub mean: f64,
}

impl Summary {
    /// Summarises samples given in milliseconds; `None` when there are none.
    pub fn from_ms(mut samples: Vec<f64>) -> Option<Summary> {
        if samples.is_empty() {
            return None;
        }
        samples.sort_by(|a, b| a.total_cmp(b));
        let sum: f64 = samples.iter().sum();
        Some(Summary {
            count: samples.len(),
            p50: percentile(&samples, 50.0)?,
            p90: percentile(&samples, 90.0)?,
            p99: percentile(&samples, 99.0)?,
            max: *samples.last()?,
            mean: sum / samples.len() as f64,
        })
    }

    /// Summarises durations.
    pub fn from_durations(samples: &[Duration]) -> Option<Summary> {
        Summary::from_ms(samples.iter().map(|d| ms(*d)).collect())
    }
}

/// A duration in fractional milliseconds.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Counts events per whole second since the start, given offsets from the start.
pub fn per_second(offsets: &[Duration]) -> Vec<u64> {
    let Some(last) = offsets.iter().max() else {
        return Vec::new();
    };
    let mut buckets = vec![0u64; last.as_secs() as usize + 1];
    for o in offsets {
        buckets[o.as_secs() as usize] += 1;
    }
    buckets
}

/// Operations per second, 0 when no time elapsed.
pub fn rate(count: usize, elapsed: Duration) -> f64 {
    let s = elapsed.as_secs_f64();
    if s > 0.0 {
        count as f64 / s
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_to(n: usize) -> Vec<f64> {
        (1..=n).map(|x| x as f64).collect()
    }

    #[test]
    fn nearest_rank_on_one_to_hundred() {
        let v = one_to(100);
        assert_eq!(percentile(&v, 50.0), Some(50.0));
        assert_eq!(percentile(&v, 90.0), Some(90.0));
        assert_eq!(percentile(&v, 99.0), Some(99.0));
        assert_eq!(percentile(&v, 100.0), Some(100.0));
        assert_eq!(percentile(&v, 0.0), Some(1.0));
    }

    #[test]
    fn nearest_rank_on_small_sets() {
        // Classic textbook example: 15, 20, 35, 40, 50.
        let v = [15.0, 20.0, 35.0, 40.0, 50.0];
        assert_eq!(percentile(&v, 5.0), Some(15.0));
        assert_eq!(percentile(&v, 30.0), Some(20.0));
        assert_eq!(percentile(&v, 40.0), Some(20.0));
        assert_eq!(percentile(&v, 50.0), Some(35.0));
        assert_eq!(percentile(&v, 100.0), Some(50.0));
        let ten = one_to(10);
        assert_eq!(percentile(&ten, 50.0), Some(5.0));
        assert_eq!(percentile(&ten, 90.0), Some(9.0));
        assert_eq!(percentile(&ten, 99.0), Some(10.0));
        assert_eq!(percentile(&[7.0], 99.0), Some(7.0));
    }

    #[test]
    fn empty_and_out_of_range() {
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&[1.0], 101.0), None);
        assert_eq!(percentile(&[1.0], -1.0), None);
        assert!(Summary::from_ms(vec![]).is_none());
    }

    #[test]
    fn summary_sorts_its_input() {
        let s = Summary::from_ms(vec![4.0, 1.0, 3.0, 2.0]).unwrap();
        assert_eq!(
            (s.count, s.p50, s.p90, s.p99, s.max),
            (4, 2.0, 4.0, 4.0, 4.0)
        );
        assert_eq!(s.mean, 2.5);
    }

    #[test]
    fn per_second_buckets() {
        let o = [0, 100, 999, 1000, 2500].map(Duration::from_millis);
        assert_eq!(per_second(&o), vec![3, 1, 1]);
        assert_eq!(rate(10, Duration::from_secs(2)), 5.0);
        assert_eq!(rate(10, Duration::ZERO), 0.0);
    }
}
