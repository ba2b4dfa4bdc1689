#!/usr/bin/env python3
"""report.py - turns bench/out/raw.txt (written by bench/run.sh) into
bench/out/results.json, bench/out/results.md and a table on stdout.

    report.py RAW RESULTS_JSON

raw.txt holds one measurement a line, "MEASURE RUN key=value ...", plus
"meta key=value ..." and "skip MEASURE reason...".  Every figure is the
median of its runs; a run whose socket errors plus 4xx/5xx answers pass
1% of its requests is left out (and counted), so a server that answers
fast with errors cannot look fast.  Spread is (max - min) / median, in
percent.  Each scenario row compares a figure of raslog with a baseline
measured in the same run and states the goal from issue 7.
"""

import datetime
import json
import os
import platform
import statistics
import sys

# name, figure (measure, metric), unit, baseline name, baseline (measure,
# metric), goal, aggregate.  Goals: ("ratio>=", x) figure/baseline at least
# x; ("<=", x) / (">=", x) the figure itself; None: reported only.
ROWS = [
    ("1. logging vs durable baseline", ("s1.raslog", "rps"), "req/s",
     "bare FULL", ("s1.bare_full", "rps"), ("ratio>=", 2.0)),
    ("1. logging vs NORMAL ceiling", ("s1.raslog", "rps"), "req/s",
     "bare NORMAL", ("s1.bare_normal", "rps"), ("ratio>=", 0.7)),
    ("1. logging p99 latency", ("s1.raslog", "p99_ms"), "ms",
     "bare FULL", ("s1.bare_full", "p99_ms"), None),
    ("2. sign-off ingest vs durable baseline", ("s2.raslog", "rps"), "req/s",
     "bare FULL + verify", ("s2.bare_full_verify", "rps"), ("ratio>=", 2.0)),
    ("2. sign-off ingest vs NORMAL ceiling", ("s2.raslog", "rps"), "req/s",
     "bare NORMAL + verify", ("s2.bare_normal_verify", "rps"), ("ratio>=", 0.7)),
    ("3. progress p99, 1 connection", ("s3.raslog_progress_c1", "p99_ms"), "ms",
     "plain SQL aggregate", ("s3.sql_aggregate", "p99_ms"), ("<=", 1.0)),
    ("3. progress, 64 connections", ("s3.raslog_progress_c64", "rps"), "req/s",
     None, None, (">=", 20000.0)),
    ("3. accreditation first page p99", ("s3.raslog_accreditation_c1", "p99_ms"), "ms",
     "plain SQL aggregate", ("s3.sql_aggregate_all", "p99_ms"), ("<=", 5.0)),
    ("3. accreditation first page p99, a commit every 0.5 s", ("s3.raslog_accreditation_writes", "p99_ms"), "ms",
     "plain SQL aggregate", ("s3.sql_aggregate_all", "p99_ms"), ("<=", 5.0)),
    ("3. accreditation filtered page p99", ("s3.raslog_accreditation_filtered", "p99_ms"), "ms",
     "plain SQL aggregate", ("s3.sql_aggregate_all", "p99_ms"), None),
    ("4. ledger head p99", ("s4.raslog_head_c1", "p99_ms"), "ms", None, None, ("<=", 1.0)),
    ("4. inclusion proof p99", ("s4.raslog_proof_c1", "p99_ms"), "ms", None, None, ("<=", 1.0)),
    ("4. consistency proof p99", ("s4.raslog_consistency_c1", "p99_ms"), "ms", None, None,
     ("<=", 1.0)),
    ("4. offline verify", ("s4.raslog_verify", "per_s"), "entries/s",
     "libsodium verify, 2 cores", ("s4.sodium_verify", "per_s"), ("ratio>=", 0.8)),
    ("5. peer: logging", ("s1.raslog", "rps"), "req/s",
     "Python peer", ("s1.peer", "rps"), ("ratio>=", 5.0)),
    ("5. peer: progress, 64 connections", ("s3.raslog_progress_c64", "rps"), "req/s",
     "Python peer", ("s5.peer_progress", "rps"), ("ratio>=", 5.0)),
    ("6. raslogd peak RSS", ("s6.raslog", "peak_rss_mib"), "MiB",
     "bare FULL", ("s6.bare_full", "peak_rss_mib"), ("<=", 64.0), "max"),
    ("6. cold start to first answer", ("s6.raslog", "cold_start_ms"), "ms",
     "bare FULL", ("s6.bare_full", "cold_start_ms"), None),
    ("6. database per million sessions (s1)", ("s6.raslog_db", "mib_per_million"), "MiB",
     "bare FULL", ("s6.bare_full_db", "mib_per_million"), None),
    ("7. seeding", ("s7.raslog_seed", "sessions_per_s"), "sessions/s", None, None, None),
    ("8. rebuild of the caches from the ledger", ("s8.raslog_rebuild", "per_s"), "statements/s",
     None, None, (">=", 20000.0)),
    ("8. rebuild peak RSS", ("s8.raslog_rebuild", "peak_rss_mib"), "MiB", None, None, None),
    ("8. offline audit of the export", ("s4.raslog_audit", "seconds"), "s",
     None, None, ("<=", 60.0)),
    ("8. offline audit peak RSS", ("s4.raslog_audit", "peak_rss_mib"), "MiB", None, None, None),
    ("9. PostgreSQL: logging, one raslogd", ("s9.log.pg", "rps"), "req/s",
     "raslog on SQLite", ("s9.log.sqlite", "rps"), None),
    ("9. PostgreSQL: logging, two raslogd", ("s9.log.pg_two", "rps"), "req/s",
     "raslog on SQLite", ("s9.log.sqlite", "rps"), None),
    ("9. PostgreSQL: sign-off ingest, one raslogd", ("s9.signoff.pg", "rps"), "req/s",
     "raslog on SQLite", ("s9.signoff.sqlite", "rps"), None),
    ("9. PostgreSQL: sign-off ingest, two raslogd", ("s9.signoff.pg_two", "rps"), "req/s",
     "raslog on SQLite", ("s9.signoff.sqlite", "rps"), None),
    ("9. PostgreSQL: progress, one raslogd", ("s9.progress.pg_progress", "rps"), "req/s",
     "raslog on SQLite", ("s9.progress.sqlite_progress", "rps"), None),
    ("9. PostgreSQL: progress, two raslogd", ("s9.progress.pg_two", "rps"), "req/s",
     "raslog on SQLite", ("s9.progress.sqlite_progress", "rps"), None),
]

# Measured but not part of a raslog row: printed so the baselines can be read alone.
EXTRA = [
    ("bare FULL", "s1.bare_full"), ("bare NORMAL", "s1.bare_normal"), ("Python peer", "s1.peer"),
    ("bare FULL + verify", "s2.bare_full_verify"),
    ("bare NORMAL + verify", "s2.bare_normal_verify"),
    ("Python peer progress", "s5.peer_progress"),
]

MAX_ERROR_SHARE = 0.01


def parse(path):
    meta, skips, runs = {}, {}, {}
    with open(path) as f:
        for line in f:
            words = line.split()
            if not words:
                continue
            if words[0] == "meta":
                meta.update(w.split("=", 1) for w in words[1:] if "=" in w)
            elif words[0] == "skip":
                skips[words[1]] = " ".join(words[2:])
            elif len(words) >= 2:
                values = {}
                for w in words[2:]:
                    key, _, value = w.partition("=")
                    try:
                        values[key] = float(value)
                    except ValueError:
                        pass
                runs.setdefault(words[0], []).append(values)
    return meta, skips, runs


def valid(run):
    if run.get("failed"):
        return False
    if "requests" not in run:
        return True          # not an HTTP measurement
    bad = run.get("errors", 0) + run.get("non2xx", 0)
    return run["requests"] > 0 and bad <= MAX_ERROR_SHARE * run["requests"]


def summarise(runs):
    """measure -> {metric: {median, min, max, spread, values}, runs, invalid}."""
    out = {}
    for measure, all_runs in runs.items():
        good = [r for r in all_runs if valid(r)]
        entry = {"runs": len(good), "invalid_runs": len(all_runs) - len(good), "metrics": {}}
        metrics = sorted({k for r in good for k in r})
        for metric in metrics:
            values = [r[metric] for r in good if metric in r]
            med = statistics.median(values)
            entry["metrics"][metric] = {
                "median": med, "min": min(values), "max": max(values), "values": values,
                "spread": round((max(values) - min(values)) / med * 100, 1) if med else 0.0}
        if all_runs and not good:
            worst = all_runs[-1]
            entry["failure"] = "every run failed (last: %d requests, %d socket errors, %d 4xx/5xx)" % (
                worst.get("requests", 0), worst.get("errors", 0), worst.get("non2xx", 0))
        out[measure] = entry
    return out


def pick(measures, ref, agg="median"):
    """(value, spread, runs) of a (measure, metric), or (None, None, 0)."""
    if ref is None or ref[0] not in measures:
        return None, None, 0
    entry = measures[ref[0]]
    m = entry["metrics"].get(ref[1])
    if m is None:
        return None, None, 0
    return m[agg], m["spread"], len(m["values"])


def why_missing(ref, measures, skips):
    if ref is None:
        return None
    if ref[0] in measures and "failure" in measures[ref[0]]:
        return measures[ref[0]]["failure"]
    if ref[0] in skips:
        return skips[ref[0]]
    if "raslog" in ref[0] and "raslog" in skips:
        return skips["raslog"]
    prefix = ref[0].split(".")[0] + "."
    same = [reason for m, reason in skips.items() if m.startswith(prefix)]
    return same[0] if same else "not measured"


def goal_text(goal):
    if goal is None:
        return "reported"
    kind, value = goal
    return {"ratio>=": "ratio >= %g", "<=": "<= %g", ">=": ">= %g"}[kind] % value


def goal_met(goal, figure, ratio):
    if goal is None or figure is None:
        return None
    kind, value = goal
    if kind == "ratio>=":
        return None if ratio is None else ratio >= value
    return figure <= value if kind == "<=" else figure >= value


def machine(meta):
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = 0
    try:
        with open("/proc/meminfo") as f:
            mem = int(f.readline().split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    distro = platform.system()
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    distro = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_mib": mem, "os": distro,
            "kernel": platform.release(), "database_fs": meta.get("tmp_fs", "unknown"),
            "description": "%s, %d cores, %.0f GiB RAM, %s (kernel %s), databases on %s" % (
                cpu, os.cpu_count() or 0, mem / 1024, distro, platform.release(),
                meta.get("tmp_fs", "unknown"))}


def fmt(value, unit):
    if value is None:
        return "-"
    if unit in ("req/s", "entries/s", "sessions/s"):
        return "{:,.0f}".format(value)
    return "%.2f" % value if value < 100 else "%.0f" % value


def build(raw_path):
    meta, skips, runs = parse(raw_path)
    measures = summarise(runs)
    rows = []
    for row in ROWS:
        name, fig_ref, unit, base_name, base_ref, goal = row[:6]
        agg = row[6] if len(row) > 6 else "median"
        figure, spread, n = pick(measures, fig_ref, agg)
        baseline, base_spread, base_n = pick(measures, base_ref, agg)
        ratio = figure / baseline if figure is not None and baseline else None
        entry = {"name": name, "figure": figure, "unit": unit, "baseline_name": base_name,
                 "baseline": baseline, "ratio": round(ratio, 3) if ratio is not None else None,
                 "runs": n, "spread": spread, "baseline_runs": base_n,
                 "baseline_spread": base_spread,
                 "goal": goal_text(goal), "met": goal_met(goal, figure, ratio)}
        if figure is None:
            entry["skipped"] = why_missing(fig_ref, measures, skips)
        if base_ref is not None and baseline is None:
            entry["baseline_skipped"] = why_missing(base_ref, measures, skips)
        rows.append(entry)
    settings = {k: meta[k] for k in ("runs", "duration_s", "connections", "wrk_threads", "scale", "trainees",
                                  "sessions", "seeded_from", "load_start", "load_end", "total_s")
                if k in meta}
    return {"date": meta.get("date", datetime.datetime.now(datetime.timezone.utc)
                             .strftime("%Y-%m-%dT%H:%M:%SZ")),
            "commit": meta.get("commit"), "machine": machine(meta), "settings": settings,
            "scenarios": rows, "measures": measures, "skipped": skips}


def table(results):
    head = ("scenario", "figure", "baseline", "ratio", "runs", "spread", "goal", "met")
    lines = []
    for r in results["scenarios"]:
        base = "-"
        if r["baseline_name"]:
            base = "%s %s" % (fmt(r["baseline"], r["unit"]), r["baseline_name"]) \
                if r["baseline"] is not None else "- (%s)" % r["baseline_name"]
        figure = "%s %s" % (fmt(r["figure"], r["unit"]), r["unit"]) if r["figure"] is not None \
            else "skipped: " + (r.get("skipped") or "")
        if r["baseline"] is not None and r["unit"] not in ("req/s",):
            base = "%s %s %s" % (fmt(r["baseline"], r["unit"]), r["unit"], r["baseline_name"])
        lines.append((r["name"], figure, base,
                      "%.2f" % r["ratio"] if r["ratio"] is not None else "-",
                      str(r["runs"]) if r["runs"] else "-",
                      "%.0f%%" % r["spread"] if r["spread"] is not None else
                      ("(%.0f%%)" % r["baseline_spread"] if r["baseline_spread"] is not None else "-"),
                      r["goal"], {True: "yes", False: "NO", None: "-"}[r["met"]]))
    return head, lines


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: report.py RAW RESULTS_JSON")
    results = build(sys.argv[1])
    with open(sys.argv[2], "w") as f:
        json.dump(results, f, indent=1)
        f.write("\n")

    head, lines = table(results)
    widths = [max(len(x) for x in col) for col in zip(head, *lines)]
    widths[1] = min(widths[1], 48)
    print("\nraslog bench, %s, %s" % (results["date"], results["machine"]["description"]))
    print("settings: %s\n" % " ".join("%s=%s" % kv for kv in results["settings"].items()))
    for line in [head] + lines:
        print("  ".join(cell[:w].ljust(w) for cell, w in zip(line, widths)).rstrip())
    print("\nbaselines (median of runs):")
    for label, measure in EXTRA:
        m = results["measures"].get(measure)
        if not m or "rps" not in m["metrics"]:
            continue
        rps, p99 = m["metrics"]["rps"], m["metrics"].get("p99_ms", {"median": 0})
        print("  %-22s %10s req/s  p99 %6.2f ms  spread %4.1f%%  runs %d%s" % (
            label, fmt(rps["median"], "req/s"), p99["median"], rps["spread"], m["runs"],
            "  (%d invalid)" % m["invalid_runs"] if m["invalid_runs"] else ""))

    md = os.path.join(os.path.dirname(sys.argv[2]) or ".", "results.md")
    with open(md, "w") as f:
        f.write("Measured %s on %s (commit %s; %s).\n\n" % (
            results["date"][:10], results["machine"]["description"], results["commit"],
            ", ".join("%s=%s" % kv for kv in results["settings"].items())))
        f.write("| " + " | ".join(head) + " |\n|" + "---|" * len(head) + "\n")
        for line in lines:
            f.write("| " + " | ".join(c.replace("|", "/") for c in line) + " |\n")
    print("\nwrote %s and %s" % (sys.argv[2], md))


if __name__ == "__main__":
    main()
