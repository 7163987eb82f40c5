//! Samples a process's memory and CPU use from `/proc` (Linux only).
//!
//! RSS comes from `VmRSS` in `/proc/PID/status`; CPU time is `utime + stime` from
//! `/proc/PID/stat`, converted with the usual 100 ticks per second (`CLK_TCK` on Linux).

use anyhow::{anyhow, Context, Result};
use serde::Serialize;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Clock ticks per second assumed for `/proc/PID/stat` (Linux `USER_HZ`).
const TICKS_PER_SECOND: f64 = 100.0;

/// Resident set size of `pid` in KiB.
pub fn rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    parse_vm_rss(&status).ok_or_else(|| anyhow!("no VmRSS for pid {pid}"))
}

/// User + system CPU seconds used so far by `pid` (`self` for this process).
pub fn cpu_seconds(pid: &str) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("reading /proc/{pid}/stat"))?;
    parse_cpu_ticks(&stat)
        .map(|t| t as f64 / TICKS_PER_SECOND)
        .ok_or_else(|| anyhow!("malformed /proc/{pid}/stat"))
}

fn parse_vm_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    // The command name may contain spaces: fields are counted after the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After ')' field 0 is state (field 3 overall); utime is field 14, stime 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// What the sampler measured.
#[derive(Debug, Clone, Serialize)]
pub struct ProcStats {
    /// Process ID observed.
    pub pid: u32,
    /// RSS before the scenario started, KiB.
    pub idle_rss_kib: u64,
    /// Highest RSS seen while the scenario ran, KiB.
    pub peak_rss_kib: u64,
    /// Server CPU seconds (user + system) used during the scenario.
    pub cpu_seconds: f64,
    /// Wall-clock seconds the sampler ran.
    pub wall_seconds: f64,
}

/// A background sampler of one process.
pub struct Sampler {
    pid: u32,
    idle: u64,
    cpu0: f64,
    start: Instant,
    peak: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    task: JoinHandle<()>,
}

impl Sampler {
    /// Takes the idle reading and starts sampling every `every`.
    pub fn start(pid: u32, every: Duration) -> Result<Sampler> {
        let idle = rss_kib(pid)?;
        let cpu0 = cpu_seconds(&pid.to_string())?;
        let peak = Arc::new(AtomicU64::new(idle));
        let stop = Arc::new(AtomicBool::new(false));
        let (p, s) = (peak.clone(), stop.clone());
        let task = tokio::spawn(async move {
            while !s.load(Ordering::Relaxed) {
                if let Ok(r) = rss_kib(pid) {
                    p.fetch_max(r, Ordering::Relaxed);
                }
                tokio::time::sleep(every).await;
            }
        });
        Ok(Sampler {
            pid,
            idle,
            cpu0,
            start: Instant::now(),
            peak,
            stop,
            task,
        })
    }

    /// Stops sampling and returns the figures.
    pub async fn finish(self) -> ProcStats {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.task.await;
        if let Ok(r) = rss_kib(self.pid) {
            self.peak.fetch_max(r, Ordering::Relaxed);
        }
        let cpu1 = cpu_seconds(&self.pid.to_string()).unwrap_or(self.cpu0);
        ProcStats {
            pid: self.pid,
            idle_rss_kib: self.idle,
            peak_rss_kib: self.peak.load(Ordering::Relaxed),
            cpu_seconds: cpu1 - self.cpu0,
            wall_seconds: self.start.elapsed().as_secs_f64(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_status_and_stat() {
        assert_eq!(parse_vm_rss("Name:\tx\nVmRSS:\t  1234 kB\n"), Some(1234));
        let stat = "42 (my (odd) proc) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 1";
        assert_eq!(parse_cpu_ticks(stat), Some(300));
    }

    #[test]
    fn reads_own_process() {
        assert!(rss_kib(std::process::id()).unwrap() > 0);
        assert!(cpu_seconds("self").unwrap() >= 0.0);
    }
}
