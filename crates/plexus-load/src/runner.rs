//! Runs one scenario with the shared machinery: target guard, time limit, process
//! sampling and report output.

use crate::cli::Common;
use crate::guard;
use crate::procmon::{self, Sampler};
use crate::report::Report;
use crate::scenarios::{self, Ctx, Scenario};
use anyhow::{bail, Result};
use std::time::Duration;
use tokio::time::Instant;

/// Extra time past `--time-limit` before the scenario is abandoned outright.
const HARD_GRACE: Duration = Duration::from_secs(10);

/// Runs `scenario` as described by `common`, writes JSON if asked and returns the report.
pub async fn run(common: &Common, scenario: Scenario) -> Result<Report> {
    let base = guard::check_target(&common.url, common.allow_non_loopback)?;
    let limit = Duration::from_secs(common.time_limit);
    let deadline = Instant::now() + limit;
    let ctx = Ctx::new(base.clone(), deadline, common.concurrency as usize)?;
    let sampler = match common.pid {
        Some(pid) => Some(Sampler::start(pid, Duration::from_millis(50))?),
        None => None,
    };
    let cpu0 = procmon::cpu_seconds("self").ok();
    let outcome = tokio::time::timeout(limit + HARD_GRACE, scenarios::run(&ctx, &scenario)).await;
    let process = match sampler {
        Some(s) => Some(s.finish().await),
        None => None,
    };
    let mut report = match outcome {
        Ok(r) => r?,
        Err(_) => bail!(
            "scenario exceeded the hard time limit of {}s",
            limit.as_secs()
        ),
    };
    report.label = common.label.clone();
    report.target = base.to_string();
    report.errors = ctx.errors.count();
    report.error_samples = ctx.errors.samples();
    report.timed_out = Instant::now() >= deadline;
    report.process = process;
    report.client_cpu_seconds = match (cpu0, procmon::cpu_seconds("self").ok()) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    if let Some(path) = &common.json {
        report.write_json(path)?;
    }
    Ok(report)
}
