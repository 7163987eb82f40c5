//! Scenario reports: a flat list of named figures, written as JSON and as a short table.

use crate::procmon::ProcStats;
use crate::stats::Summary;
use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::Value;
use std::fmt::Write as _;
use std::path::Path;

/// One named figure.
#[derive(Debug, Clone, Serialize)]
pub struct Metric {
    /// Name, e.g. `messages_per_s` or `send_ms_p99`.
    pub name: String,
    /// Value.
    pub value: f64,
}

/// The result of one scenario run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Scenario name.
    pub scenario: String,
    /// Free-form label of the target (e.g. `plexus`, `synapse`).
    pub label: String,
    /// Base URL of the target.
    pub target: String,
    /// Parameters the scenario ran with.
    pub params: Value,
    /// Figures in the order they were added.
    pub metrics: Vec<Metric>,
    /// Errors seen.
    pub errors: u64,
    /// The first few error messages.
    pub error_samples: Vec<String>,
    /// Whether the time limit cut the scenario short.
    pub timed_out: bool,
    /// Server process figures, with `--pid`.
    pub process: Option<ProcStats>,
    /// CPU seconds used by the load tool itself.
    pub client_cpu_seconds: Option<f64>,
    /// Scenario-specific extra data (e.g. per-second series).
    pub extra: Value,
}

impl Report {
    /// An empty report for `scenario`.
    pub fn new(scenario: &str, params: Value) -> Report {
        Report {
            scenario: scenario.to_owned(),
            label: String::new(),
            target: String::new(),
            params,
            metrics: Vec::new(),
            errors: 0,
            error_samples: Vec::new(),
            timed_out: false,
            process: None,
            client_cpu_seconds: None,
            extra: Value::Null,
        }
    }

    /// Adds a figure.
    pub fn add(&mut self, name: &str, value: f64) {
        self.metrics.push(Metric {
            name: name.to_owned(),
            value,
        });
    }

    /// Adds `<prefix>_ms_p50/p90/p99/max` (nothing when there were no samples).
    pub fn add_latency(&mut self, prefix: &str, summary: Option<Summary>) {
        if let Some(s) = summary {
            for (k, v) in [
                ("p50", s.p50),
                ("p90", s.p90),
                ("p99", s.p99),
                ("max", s.max),
            ] {
                self.add(&format!("{prefix}_ms_{k}"), v);
            }
        }
    }

    /// Looks up a figure by name.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.metrics
            .iter()
            .find(|m| m.name == name)
            .map(|m| m.value)
    }

    /// Writes the report as pretty JSON.
    pub fn write_json(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self)?;
        std::fs::write(path, text + "\n").with_context(|| format!("writing {}", path.display()))
    }

    /// A short human-readable table.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} against {} ({})",
            self.scenario, self.target, self.label
        );
        let _ = writeln!(out, "  params: {}", self.params);
        for m in &self.metrics {
            let _ = writeln!(out, "  {:<32} {:>14}", m.name, fmt_value(m.value));
        }
        if let Some(p) = &self.process {
            let _ = writeln!(
                out,
                "  {:<32} {:>14}",
                "server_idle_rss_mib",
                fmt_value(p.idle_rss_kib as f64 / 1024.0)
            );
            let _ = writeln!(
                out,
                "  {:<32} {:>14}",
                "server_peak_rss_mib",
                fmt_value(p.peak_rss_kib as f64 / 1024.0)
            );
            let _ = writeln!(
                out,
                "  {:<32} {:>14}",
                "server_cpu_seconds",
                fmt_value(p.cpu_seconds)
            );
        }
        if let Some(c) = self.client_cpu_seconds {
            let _ = writeln!(out, "  {:<32} {:>14}", "client_cpu_seconds", fmt_value(c));
        }
        let _ = writeln!(out, "  {:<32} {:>14}", "errors", self.errors);
        for e in &self.error_samples {
            let _ = writeln!(out, "    error: {e}");
        }
        if self.timed_out {
            let _ = writeln!(out, "  (cut short by --time-limit)");
        }
        out
    }
}

fn fmt_value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e12 {
        format!("{v:.0}")
    } else if v.abs() >= 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_and_lookup() {
        let mut r = Report::new("chat", serde_json::json!({"users": 2}));
        r.add("messages_per_s", 123.456);
        r.add_latency("send", Summary::from_ms(vec![1.0, 2.0]));
        assert_eq!(r.get("send_ms_p50"), Some(1.0));
        assert_eq!(r.get("missing"), None);
        let t = r.table();
        assert!(t.contains("messages_per_s") && t.contains("123.5"));
    }
}
