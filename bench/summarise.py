#!/usr/bin/env python3
"""Summarise a compare.sh results directory as markdown: medians over runs for each
target, Plexus/Synapse ratios, and the issue's targets.

usage: summarise.py RESULTS_DIR   (env: SIZES, SYNAPSE_VERSION, RUNS)
"""
import datetime
import glob
import json
import os
import platform
import statistics
import subprocess
import sys

TARGETS = ["plexus", "synapse", "ceiling"]
# (scenario, metric, label, better): better is "high" or "low"
ROWS = [
    ("startup", "startup_ms", "start-up: process start → /versions answers (ms)", "low"),
    ("startup", "idle_rss_mib", "idle RSS after start-up (MiB)", "low"),
    ("chat", "messages_per_s", "chat: messages/s", "high"),
    ("chat", "send_ms_p50", "chat: send latency p50 (ms)", "low"),
    ("chat", "send_ms_p99", "chat: send latency p99 (ms)", "low"),
    ("chat", "fanout_ms_p50", "chat: fan-out send→other's /sync p50 (ms)", "low"),
    ("chat", "fanout_ms_p90", "chat: fan-out p90 (ms)", "low"),
    ("chat", "fanout_ms_p99", "chat: fan-out p99 (ms)", "low"),
    ("chat", "fanout_ms_max", "chat: fan-out max (ms)", "low"),
    ("chat", "delivery_ratio", "chat: deliveries received/expected", "high"),
    ("chat", "peak_rss_mib", "chat: server peak RSS (MiB)", "low"),
    ("chat", "cpu_seconds", "chat: server CPU seconds", "low"),
    ("register", "register_per_s", "register: sign-ups/s", "high"),
    ("register", "register_ms_p50", "register: sign-up p50 (ms)", "low"),
    ("register", "register_ms_p99", "register: sign-up p99 (ms)", "low"),
    ("register", "login_per_s", "register: logins/s", "high"),
    ("register", "login_ms_p50", "register: login p50 (ms)", "low"),
    ("rooms", "create_per_s", "rooms: creations/s", "high"),
    ("rooms", "create_ms_p50", "rooms: createRoom p50 (ms)", "low"),
    ("rooms", "join_per_s", "rooms: joins/s", "high"),
    ("rooms", "join_ms_p50", "rooms: join p50 (ms)", "low"),
    ("initial-sync", "initial_sync_ms", "initial-sync: cold filtered initial /sync (ms)", "low"),
    ("initial-sync", "initial_sync_repeat_ms", "initial-sync: second full /sync, new device (ms)", "low"),
    ("initial-sync", "incremental_sync_ms", "initial-sync: warm incremental /sync (ms)", "low"),
    ("initial-sync", "initial_sync_rooms", "initial-sync: rooms in the response", "high"),
    ("initial-sync", "peak_rss_mib", "initial-sync: server peak RSS (MiB)", "low"),
    ("sliding-sync", "first_response_cold_ms", "sliding-sync: first response, first new connection (ms)", "low"),
    ("sliding-sync", "first_response_ms_p50", "sliding-sync: first response, median of the new connections (ms)", "low"),
    ("sliding-sync", "first_response_bytes", "sliding-sync: first response size (bytes)", "low"),
    ("sliding-sync", "first_response_rooms", "sliding-sync: rooms in the first response", "high"),
    ("sliding-sync", "list_count", "sliding-sync: all_rooms count", "high"),
    ("sliding-sync", "incremental_ms_p50", "sliding-sync: incremental after one message, median (ms)", "low"),
    ("sliding-sync", "incremental_seen", "sliding-sync: incrementals holding the message", "high"),
    ("sliding-sync", "peak_rss_mib", "sliding-sync: server peak RSS (MiB)", "low"),
]
# (label, scenario, metric, kind, bound): kind "ratio_min" (plexus/synapse ≥ bound),
# "ratio_max" (plexus/synapse ≤ bound) or "abs_max" (plexus ≤ bound).
GOALS = [
    ("messages/s ≥ 30× Synapse", "chat", "messages_per_s", "ratio_min", 30),
    ("fan-out p99 ≤ 1/20 of Synapse", "chat", "fanout_ms_p99", "ratio_max", 1 / 20),
    ("idle RSS ≤ 15 MiB", "startup", "idle_rss_mib", "abs_max", 15),
    ("start-up ≤ 100 ms", "startup", "startup_ms", "abs_max", 100),
    ("cold initial sync ≤ 1/10 of Synapse", "initial-sync", "initial_sync_ms", "ratio_max", 1 / 10),
    ("#9: first sliding-sync response ≤ 1/10 of Synapse (median)", "sliding-sync", "first_response_ms_p50", "ratio_max", 1 / 10),
    ("#9: first sliding-sync response ≤ 1/10 of Synapse (first connection)", "sliding-sync", "first_response_cold_ms", "ratio_max", 1 / 10),
]


def metrics_of(report):
    m = {x["name"]: x["value"] for x in report.get("metrics", [])}
    p = report.get("process") or {}
    if p:
        m["peak_rss_mib"] = p["peak_rss_kib"] / 1024
        m["cpu_seconds"] = p["cpu_seconds"]
    if m.get("deliveries_expected"):
        m["delivery_ratio"] = m.get("deliveries_received", 0) / m["deliveries_expected"]
    m["errors"] = report.get("errors", 0)
    return m


def load(results):
    """{(target, scenario): {metric: [values over runs]}}"""
    data = {}
    for path in sorted(glob.glob(os.path.join(results, "*.json"))):
        try:
            with open(path) as f:
                report = json.load(f)
        except (OSError, ValueError):
            continue
        key = (report.get("label"), report.get("scenario"))
        for name, value in metrics_of(report).items():
            data.setdefault(key, {}).setdefault(name, []).append(value)
    return data


def median(data, target, scenario, metric):
    values = data.get((target, scenario), {}).get(metric)
    return statistics.median(values) if values else None


def fmt(v):
    if v is None:
        return "—"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:.2f}" if abs(v) < 10 else f"{v:.1f}"


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} CPUs (nproc {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()}), {model}, {platform.system()} {platform.release()}"


def load_average():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def goal_line(data, label, scenario, metric, kind, bound):
    p, s = median(data, "plexus", scenario, metric), median(data, "synapse", scenario, metric)
    if p is None or (kind != "abs_max" and not s):
        return f"| {label} | not measured yet | — |"
    if kind == "abs_max":
        return f"| {label} | {fmt(p)} | {'met' if p <= bound else 'NOT met'} |"
    r = p / s
    ok = r >= bound if kind == "ratio_min" else r <= bound
    return f"| {label} | {r:.3g}× | {'met' if ok else 'NOT met'} |"


def main():
    results = sys.argv[1]
    data = load(results)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    out = [
        f"Generated by `bench/compare.sh` on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
        f"commit {commit or '?'}, Synapse {os.environ.get('SYNAPSE_VERSION', '?')} (SQLite).",
        f"Machine: {machine()}. Medians of {os.environ.get('RUNS', '?')} runs; "
        f"sizes: {os.environ.get('SIZES', '?')}. Every server runs on the same machine as the load tool; "
        f"load average when the run started: {os.environ.get('LOADAVG_START', '?')}, at the end: {load_average()}.",
        "",
        "| figure | Plexus | Synapse | ceiling | Plexus/Synapse |",
        "|---|---:|---:|---:|---:|",
    ]
    for scenario, metric, label, _ in ROWS:
        vals = [median(data, t, scenario, metric) for t in TARGETS]
        if all(v is None for v in vals):
            continue
        p, s = vals[0], vals[1]
        ratio = f"{p / s:.3g}×" if p is not None and s else "—"
        out.append(f"| {label} | {' | '.join(fmt(v) for v in vals)} | {ratio} |")
    errors = [[v for (tt, _), m in data.items() if tt == t for v in m.get("errors", [])] for t in TARGETS]
    cells = " | ".join(str(int(sum(e))) if e else "—" for e in errors)
    out.append(f"| errors (all scenarios, all runs) | {cells} | |")
    out += ["", "Targets from issue #6 (and #9, marked):", "", "| target | Plexus | status |", "|---|---:|---|"]
    measured = {scenario for (_, scenario) in data}
    out += [goal_line(data, *g) for g in GOALS if g[1] in measured]
    print("\n".join(out))


if __name__ == "__main__":
    main()
