#!/usr/bin/env python3
"""Turns one perf-lab suite run into a dated section of perf-lab/RESULTS.md.

Reads JMH's JSON results (-rf json), the run's console log (for the HdrHistogram "latency ..." lines that
LatencyRecorder prints at the end of a trial), and what perf-lab/suite recorded about the run (command, JDK, JVM
flags, machine), and inserts a section after the title of the results file, newest first.

B/op is gc.alloc.rate.norm from -prof gc. JMH averages it over the measurement iterations, and the last iteration
also carries the trial's @TearDown (closing a store or a transport allocates a few hundred KB), so the table gives
the median of the iterations next to JMH's mean. Standard library only; perf-lab/suite runs it.
"""

import argparse
import json
import math
import re
import statistics
import sys

TITLE_PREFIX = "# "
SECTION_PREFIX = "## "

# A "≈ 0 B/op" target is met when the median iteration allocated under this many bytes per op ...
ZERO_ALLOC_MAX_BYTES_PER_OP = 1.0
# ... or, for benchmarks with few ops per iteration, under this many bytes in the whole iteration: JMH's own work
# at each iteration boundary is a few KB, which over a few hundred ops reads as tens of B/op.
ZERO_ALLOC_MAX_BYTES_PER_ITERATION = 16 * 1024

LATENCY_LINE = re.compile(
    r"latency (?P<benchmark>\S+)(?P<params>(?: [^\s=:]+=[^\s:]+)*): (?P<samples>\d+) samples, "
    r"p50 (?P<p50>[\d.]+) us, p90 (?P<p90>[\d.]+) us, p99 (?P<p99>[\d.]+) us, p99\.9 (?P<p999>[\d.]+) us, "
    r"max (?P<max>[\d.]+) us")


class Target:
    """What a benchmark is held to: an allocation target, a minimum score, a maximum p99 latency."""

    def __init__(self, zero_alloc=True, min_score=None, max_p99_us=None, text=None):
        self.zero_alloc = zero_alloc
        self.min_score = min_score
        self.max_p99_us = max_p99_us
        self.text = text

    def describe(self, unit):
        if self.text:
            return self.text
        parts = []
        if self.min_score is not None:
            parts.append("≥ %s %s" % (fmt(self.min_score), unit))
        if self.max_p99_us is not None:
            parts.append("p99 ≤ %s µs" % fmt(self.max_p99_us))
        if self.zero_alloc:
            parts.append("≈ 0 B/op")
        return "; ".join(parts) if parts else "—"


# Short benchmark name (Class.method) regexps to targets, first match wins. The targets are the and the
# README's: ≈ 0 B/op on every hot path, ≥ 1 M piece events/s and decision p99 ≤ 50 µs for the scheduler.
TARGETS = [
    (r"SchedulerBenchmark\.pieceEvents", Target(min_score=1_000_000)),
    (r"SchedulerBenchmark\.rankParents", Target(max_p99_us=50)),
    (r"PieceRoundTripBenchmark\.", Target(text="≈ 0 B/op (all threads; Netty's own, see notes)")),
    # Issue 8: the RDMA provider's fallback paths cost nothing next to plain TCP. A comparison between rows, so the
    # table states it and the reader compares; rdma-in-process (the in-process fabric) is for information.
    (r"RdmaFallbackBenchmark\.", Target(zero_alloc=False, text="fallback paths as `path=tcp` (no overhead)")),
    (r".*", Target()),
]


def target_for(short_name):
    for pattern, target in TARGETS:
        if re.match(pattern, short_name):
            return target
    return Target(zero_alloc=False)


def fmt(x):
    """A number for a table: thousands separators when large, three significant digits when small."""
    if x is None or (isinstance(x, float) and (math.isnan(x) or math.isinf(x))):
        return "—"
    if x == 0:
        return "0"
    ax = abs(x)
    if ax >= 1000 or (ax >= 1 and float(x).is_integer()):
        return "{:,.0f}".format(x)
    if ax >= 100:
        return "{:.1f}".format(x)
    if ax >= 1:
        return "{:.2f}".format(x)
    if ax >= 0.001:
        return "{:.3f}".format(x)
    return "< 0.001" if x > 0 else "> -0.001"


def to_float(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def short_name(benchmark):
    """dev.starling.perflab.SchedulerBenchmark.rankParents -> SchedulerBenchmark.rankParents"""
    parts = benchmark.split(".")
    return ".".join(parts[-2:]) if len(parts) >= 2 else benchmark


def params_key(params):
    return tuple(sorted((params or {}).items()))


def params_text(params):
    return ", ".join("%s=%s" % (k, v) for k, v in sorted((params or {}).items())) or "—"


def parse_latency_lines(log_text):
    """The LatencyRecorder lines of a run: {(benchmark, params_key): {samples, p50, p90, p99, p99.9, max}}."""
    found = {}
    for m in LATENCY_LINE.finditer(log_text):
        params = {}
        for pair in m.group("params").split():
            key, _, value = pair.partition("=")
            params[key] = value
        found[(m.group("benchmark"), params_key(params))] = {
            "samples": int(m.group("samples")),
            "p50": float(m.group("p50")),
            "p90": float(m.group("p90")),
            "p99": float(m.group("p99")),
            "p99.9": float(m.group("p999")),
            "max": float(m.group("max")),
        }
    return found


def iterations(metric):
    """Per-iteration values of a JMH metric (every fork's)."""
    return [to_float(v) for fork in (metric or {}).get("rawData", []) for v in fork]


def seconds(jmh_time):
    """JMH's '2 s', '500 ms', '1 min' as seconds."""
    m = re.match(r"\s*([\d.]+)\s*(\w+)", jmh_time or "")
    if not m:
        return float("nan")
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0, "min": 60.0, "hr": 3600.0}.get(m.group(2), float("nan"))
    return float(m.group(1)) * scale


def row_for(result, latencies):
    """One table row for one JMH result (a benchmark with one set of parameters)."""
    name = short_name(result["benchmark"])
    primary = result["primaryMetric"]
    secondary = result.get("secondaryMetrics", {})
    norm = secondary.get("gc.alloc.rate.norm")
    rate = secondary.get("gc.alloc.rate")
    norm_iterations = iterations(norm)
    b_per_op = statistics.median(norm_iterations) if norm_iterations else float("nan")
    b_per_op_mean = to_float(norm["score"]) if norm else float("nan")
    rate_iterations = iterations(rate)
    iteration_s = seconds(result.get("measurementTime"))
    # gc.alloc.rate is in JMH's MB/sec (2^20 bytes).
    b_per_iteration = (statistics.median(rate_iterations) * 1024 * 1024 * iteration_s
                       if rate_iterations else float("nan"))
    latency = latencies.get((result["benchmark"], params_key(result.get("params"))))
    target = target_for(name)
    score = to_float(primary["score"])
    unit = primary.get("scoreUnit", "")
    # PieceRoundTripBenchmark's @AuxCounters: MB received per second, which JMH labels ops/s.
    megabytes = secondary.get("megabytes")
    unit_text = unit if not megabytes else "%s (%s MB/s)" % (unit, fmt(to_float(megabytes["score"])))

    verdicts = []
    if target.zero_alloc:
        if math.isnan(b_per_op):
            verdicts.append(None)
        else:
            verdicts.append(b_per_op <= ZERO_ALLOC_MAX_BYTES_PER_OP or
                            b_per_iteration <= ZERO_ALLOC_MAX_BYTES_PER_ITERATION)
    if target.min_score is not None:
        verdicts.append(score >= target.min_score)
    if target.max_p99_us is not None:
        verdicts.append(None if latency is None else latency["p99"] <= target.max_p99_us)
    if not verdicts:
        met = "—"
    elif any(v is False for v in verdicts):
        met = "**no**"
    elif any(v is None for v in verdicts):
        met = "?"
    else:
        met = "yes"
    return {
        "benchmark": name,
        "params": params_text(result.get("params")),
        "mode": result.get("mode", ""),
        "score": score,
        "error": to_float(primary.get("scoreError")),
        "unit": unit_text,
        "b_per_op": b_per_op,
        "b_per_op_mean": b_per_op_mean,
        "b_per_iteration": b_per_iteration,
        "target": target.describe(unit),
        "met": met,
        "latency": latency,
    }


def score_text(row):
    if math.isnan(row["error"]):
        return fmt(row["score"])
    return "%s ± %s" % (fmt(row["score"]), fmt(row["error"]))


def results_table(rows):
    lines = [
        "| benchmark | params | score ± error | unit | B/op (median) | B/op (JMH mean) | target | met? |",
        "|---|---|---:|---|---:|---:|---|---|",
    ]
    for r in rows:
        lines.append("| `%s` | %s | %s | %s | %s | %s | %s | %s |" % (
            r["benchmark"], r["params"], score_text(r), r["unit"], fmt(r["b_per_op"]), fmt(r["b_per_op_mean"]),
            r["target"], r["met"]))
    return "\n".join(lines)


def latency_table(rows):
    with_latency = [r for r in rows if r["latency"]]
    if not with_latency:
        return ""
    lines = [
        "| benchmark | params | samples | p50 µs | p90 µs | p99 µs | p99.9 µs | max µs |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in with_latency:
        lat = r["latency"]
        lines.append("| `%s` | %s | %s | %s | %s | %s | %s | %s |" % (
            r["benchmark"], r["params"], "{:,}".format(lat["samples"]), fmt(lat["p50"]), fmt(lat["p90"]),
            fmt(lat["p99"]), fmt(lat["p99.9"]), fmt(lat["max"])))
    return "\n".join(lines)


def machine_text(cpuinfo, meminfo, kernel, cores):
    """One line about the machine from /proc/cpuinfo, /proc/meminfo, the kernel release and the usable cores."""
    model = "unknown CPU"
    flags = set()
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "model name" and model == "unknown CPU":
            model = value.strip()
        elif key == "flags" and not flags:
            flags = set(value.split())
    mem_kb = 0
    for line in meminfo.splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    features = [f for f in ("sha_ni", "avx2", "avx512f") if f in flags]
    text = "%s cores (`nproc`), %s" % (cores, model)
    if features:
        text += " with %s" % ", ".join(features)
    text += ", %.0f GiB RAM, kernel `%s`" % (mem_kb / 1024.0 / 1024.0, kernel)
    return text


def render_section(run, rows):
    """The Markdown section for one run. run: date, command, jmh_options, selection, jdk, flags, machine, load,
    commit."""
    out = []
    out.append("%s%s: perf-lab suite%s" % (SECTION_PREFIX, run["date"], run.get("title_suffix", "")))
    out.append("")
    out.append("**Command** (from the repository root, at commit `%s`):" % run["commit"])
    out.append("")
    out.append("```")
    out.append(run["command"])
    out.append("```")
    out.append("")
    out.append("JMH options: `%s`. Benchmarks: %s." % (run["jmh_options"], run["selection"]))
    out.append("")
    out.append("**JDK:** `%s`" % " / ".join(l.strip() for l in run["jdk"].strip().splitlines() if l.strip()))
    out.append("")
    out.append("**JVM flags** (host JVM and every fork, from the root pom through `perf-lab/run`): `%s`"
               % run["flags"])
    out.append("")
    out.append("**Machine:** %s. Load average before / after the run: %s." % (run["machine"], run["load"]))
    out.append("")
    out.append("The machine is shared: it has 2 cores, and other engineers' builds and benchmarks may run during "
               "the suite, so the scores (and their errors, from one fork of three short iterations) are noisy. "
               "B/op is what is reliable.")
    out.append("")
    out.append(results_table(rows))
    out.append("")
    latency = latency_table(rows)
    if latency:
        out.append("Latency distributions (HdrHistogram, every op of the measurement iterations):")
        out.append("")
        out.append(latency)
        out.append("")
    out.append("B/op is `gc.alloc.rate.norm` (every thread of the fork). *Median* is the median of the measurement "
               "iterations; JMH's mean also counts the trial's `@TearDown`, which JMH runs inside the last "
               "iteration (closing a store or a transport allocates a few hundred KB). A ≈ 0 B/op target is met "
               "when the median is at most %s B/op, or when the median iteration allocated under %d KiB in all "
               "(JMH's own work at each iteration boundary, a few KB, spread over few ops). "
               "`PieceRoundTripBenchmark` counts Netty's I/O threads: its known allocation sites (the leak detector "
               "at SIMPLE, epoll's EPOLLOUT toggles, io_uring's per-submission objects) are in the 2026-11-28 "
               "sections below." % (fmt(ZERO_ALLOC_MAX_BYTES_PER_OP), ZERO_ALLOC_MAX_BYTES_PER_ITERATION // 1024))
    out.append("")
    return "\n".join(out)


def insert_section(document, section):
    """Puts section after the document's title (and any text before its first section), newest first."""
    lines = document.splitlines(keepends=True)
    at = None
    for i, line in enumerate(lines):
        if line.startswith(SECTION_PREFIX):
            at = i
            break
    block = section.rstrip("\n") + "\n\n"
    if at is None:
        text = document if document.endswith("\n") or not document else document + "\n"
        if text and not text.endswith("\n\n"):
            text += "\n"
        return text + block
    return "".join(lines[:at]) + block + "".join(lines[at:])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", required=True, help="JMH results (-rf json -rff FILE)")
    parser.add_argument("--log", required=True, help="the run's console output")
    parser.add_argument("--results", required=True, help="Markdown file to insert the section into")
    parser.add_argument("--command", required=True)
    parser.add_argument("--jmh-options", required=True)
    parser.add_argument("--selection", required=True)
    parser.add_argument("--jdk", required=True, help="file with the output of java -version")
    parser.add_argument("--flags", required=True)
    parser.add_argument("--date", required=True)
    parser.add_argument("--commit", required=True)
    parser.add_argument("--load", required=True)
    parser.add_argument("--kernel", required=True)
    parser.add_argument("--cores", required=True)
    parser.add_argument("--cpuinfo", default="/proc/cpuinfo")
    parser.add_argument("--meminfo", default="/proc/meminfo")
    parser.add_argument("--title-suffix", default="")
    args = parser.parse_args(argv)

    with open(args.json, encoding="utf-8") as f:
        results = json.load(f)
    with open(args.log, encoding="utf-8", errors="replace") as f:
        latencies = parse_latency_lines(f.read())
    with open(args.jdk, encoding="utf-8") as f:
        jdk = f.read()
    with open(args.cpuinfo, encoding="utf-8") as f:
        cpuinfo = f.read()
    with open(args.meminfo, encoding="utf-8") as f:
        meminfo = f.read()
    if not results:
        print("suite_report: %s holds no results" % args.json, file=sys.stderr)
        return 1

    rows = [row_for(r, latencies) for r in results]
    run = {
        "date": args.date,
        "command": args.command,
        "jmh_options": args.jmh_options,
        "selection": args.selection,
        "jdk": jdk,
        "flags": args.flags,
        "machine": machine_text(cpuinfo, meminfo, args.kernel, args.cores),
        "load": args.load,
        "commit": args.commit,
        "title_suffix": args.title_suffix,
    }
    section = render_section(run, rows)
    try:
        with open(args.results, encoding="utf-8") as f:
            document = f.read()
    except FileNotFoundError:
        document = "# perf-lab results\n\n"
    with open(args.results, "w", encoding="utf-8") as f:
        f.write(insert_section(document, section))
    print(section)
    missed = [r for r in rows if r["met"] == "**no**"]
    print("suite_report: %d results, %d missing a target; section written to %s"
          % (len(rows), len(missed), args.results), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
