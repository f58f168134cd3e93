"""Turns what bench/run recorded per method and node into CSV, a markdown report and (with matplotlib) a plot.

Per method the run directory holds t0 and t1 (epoch seconds: downloads started, last node finished or timeout) and,
per node k, nK.tx0 / nK.tx1 (eth0 tx bytes) and, for downloading nodes, nK.done (epoch seconds) or nK.failed, nK.sha
("ok" when the copy's sha256 matched) and nK.times (bash's `times` of a client that exited within the window).
cpu0 / cpu1 hold "node pid clock-ticks command" for every process in the namespaces at t0 and t1. For Starling,
nK.metrics holds daemon k's Prometheus text (n0 is the seed), read after the window while the daemons still ran;
nK.metrics.before the same read before the window, after a warm-up (--warm), when one ran.
"""
import argparse
import csv
import os
import re
import statistics
from datetime import datetime, timezone

LABELS = {"central": "central HTTP (curl ← nginx)", "bittorrent": "BitTorrent (aria2 + opentracker)",
          "starling": "Starling (get through a daemon per node)"}


def read(path, default=None):
    try:
        with open(path) as f:
            return f.read().strip()
    except FileNotFoundError:
        return default


def cpu_by_node(base, nodes):
    """CPU seconds per node within the window: processes alive at t1 (less what they had at t0), plus clients that
    exited within it (their own getrusage, from bash's times)."""
    ticks = os.sysconf("SC_CLK_TCK")
    snap = {}
    for name in ("cpu0", "cpu1"):
        snap[name] = {}
        for line in (read(os.path.join(base, name), "") or "").splitlines():
            k, pid, t = line.split()[:3]
            snap[name][(int(k), pid)] = int(t)
    cpu = [0.0] * nodes
    for (k, pid), t in snap["cpu1"].items():
        cpu[k] += (t - snap["cpu0"].get((k, pid), 0)) / ticks
    for k in range(nodes):
        times = read(os.path.join(base, f"n{k}.times"))
        if times:  # second line: user and system time of the shell's children, e.g. "0m1.234s 0m0.567s"
            for m, s in re.findall(r"(\d+)m([\d.]+)s", times.splitlines()[-1]):
                cpu[k] += int(m) * 60 + float(s)
    return cpu


def cpu_by_program(base, client="client"):
    """CPU seconds within the window by command name, over every node: processes alive at t1 (less what they had at
    t0) by the name in cpu1, and clients that exited within it (their times files) as `client`. Largest first."""
    ticks = os.sysconf("SC_CLK_TCK")
    start = {}
    for line in (read(os.path.join(base, "cpu0"), "") or "").splitlines():
        k, pid, t = line.split()[:3]
        start[(k, pid)] = int(t)
    cpu = {}
    for line in (read(os.path.join(base, "cpu1"), "") or "").splitlines():
        k, pid, t, *name = line.split()
        program = name[0] if name else "?"
        cpu[program] = cpu.get(program, 0.0) + (int(t) - start.get((k, pid), 0)) / ticks
    for entry in sorted(os.listdir(base)):
        if re.fullmatch(r"n\d+\.times", entry):
            times = read(os.path.join(base, entry))
            for m, s in re.findall(r"(\d+)m([\d.]+)s", times.splitlines()[-1] if times else ""):
                cpu[client] = cpu.get(client, 0.0) + int(m) * 60 + float(s)
    return dict(sorted(((p, round(c, 1)) for p, c in cpu.items()), key=lambda pc: -pc[1]))


def metric(text, name, labels=""):
    """The value of one sample in Prometheus text, `labels` as written between the braces (`source="peer"`), or
    None when absent. Sums the samples whose labels contain `labels` (so `source="peer"` matches a sample that has
    more labels too)."""
    total, found = 0.0, False
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        m = re.match(r"^(\w+)(?:\{([^}]*)\})? (\S+)", line)
        if m and m[1] == name and labels in (m[2] or ""):
            total += float(m[3])
            found = True
    return total if found else None


def metric_by_label(text, name, label):
    """The samples of `name` summed by the value of one label (`status`): {value: total}, empty when absent."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"^(\w+)\{([^}]*)\} (\S+)", line)
        if not m or m[1] != name:
            continue
        v = re.search(r'(?:^|,)\s*' + re.escape(label) + r'="([^"]*)"', m[2])
        if v:
            out[v[1]] = out.get(v[1], 0.0) + float(m[3])
    return out


def starling_sources(work, nodes, method="starling"):
    """Per daemon (n0 the seed), from its nK.metrics: content bytes from the origin, from peers and served to peers
    (`starling_bytes_total`), piece requests its parents declined by answer (`starling_peer_refusals_total`,
    {status: count}, empty for a daemon without the counter) and `starling_errors_total` summed over its codes (None
    when it has no sample); None for a node whose metrics were not read. Where nK.metrics.before exists (a snapshot
    taken before the timed window, after a warm-up), its counts are subtracted, so that the figures are the window's."""
    out = []
    for k in range(nodes):
        text = read(os.path.join(work, method, f"n{k}.metrics"))
        if not text:
            out.append(None)
            continue
        src = daemon_counters(text)
        before = read(os.path.join(work, method, f"n{k}.metrics.before"))
        if before:
            src = counters_since(src, daemon_counters(before))
        out.append(src)
    return out


def daemon_counters(text):
    """The counters starling_sources reads, from one daemon's Prometheus text."""
    src = {s: metric(text, "starling_bytes_total", f'source="{s}"') for s in ("origin", "peer", "served")}
    src["refusals"] = metric_by_label(text, "starling_peer_refusals_total", "status")
    src["errors"] = metric(text, "starling_errors_total")
    return src


def counters_since(after, before):
    """after - before for every counter of daemon_counters (a counter absent before counts from zero)."""
    out = {}
    for key in ("origin", "peer", "served", "errors"):
        a, b = after.get(key), before.get(key)
        out[key] = None if a is None else a - (b or 0.0)
    out["refusals"] = {status: n - before["refusals"].get(status, 0.0) for status, n in after["refusals"].items()}
    return out


def seed_summary(sources, size):
    """The seed's served bytes ÷ S (its piece data out) and the downloading daemons' bytes straight from the origin
    ÷ S; None where the metrics are missing."""
    seed = sources[0] if sources else None
    direct = [src["origin"] for src in sources[1:] if src and src["origin"] is not None]
    return {
        "seed_served_x_size": round(seed["served"] / size, 3) if seed and seed["served"] is not None else None,
        "nodes_from_origin_x_size": round(sum(direct) / size, 3) if direct else None,
    }


def sources_table(sources, origin_label="from the origin"):
    """Lines of a table with a column per daemon (n0 the seed): MB from the origin, from peers, served to peers,
    then refusals by status (a row per status any daemon reported) and errors, counts. — where not read."""
    def mb(v):
        return "—" if v is None else f"{v / 1e6:.1f}"

    def count(v):
        return "—" if v is None else f"{v:.0f}"
    n = len(sources)
    lines = ["| | " + " | ".join(f"n{k}" for k in range(n)) + " |", "|---|" + "---|" * n]
    for key, label in (("origin", origin_label), ("peer", "from peers"), ("served", "served to peers")):
        lines.append(f"| {label} (MB) | " + " | ".join(mb(src[key] if src else None) for src in sources) + " |")
    statuses = sorted({st for src in sources if src for st in src.get("refusals", {})})
    for st in statuses:
        lines.append(f"| refused by parents: {st} | "
                     + " | ".join(count(src["refusals"].get(st, 0.0) if src else None) for src in sources) + " |")
    # A labelled counter has no sample until its first error: a daemon read without one counted none.
    lines.append("| errors | " + " | ".join(count((src["errors"] or 0.0) if src else None) for src in sources) + " |")
    return lines


def collect(work, method, nodes):
    base = os.path.join(work, method)
    t0 = float(read(os.path.join(base, "t0")))
    t1 = float(read(os.path.join(base, "t1")))
    cpu = cpu_by_node(base, nodes)
    rows = []
    for k in range(nodes):
        tx0 = int(read(os.path.join(base, f"n{k}.tx0")))
        tx1 = int(read(os.path.join(base, f"n{k}.tx1")))
        done = read(os.path.join(base, f"n{k}.done"))
        rows.append({
            "method": method, "node": k, "role": "origin" if k == 0 else "downloader",
            "finish_s": round(float(done) - t0, 3) if done and k > 0 else None,
            "verified": (read(os.path.join(base, f"n{k}.sha")) == "ok") if k > 0 else None,
            "failed": None if os.path.exists(os.path.join(base, f"n{k}.timeout"))
            else read(os.path.join(base, f"n{k}.failed")),
            "client_reported_s": read(os.path.join(base, f"n{k}.inner")) or None,
            "egress_bytes": tx1 - tx0, "cpu_s": round(cpu[k], 2),
        })
    return t0, t1, rows


def rate_rows(text, t0, nodes):
    """Bytes on the wire over time from a method's rates.tsv (lines "epoch sent0 received0 sent1 received1 ...", read
    every 0.25 s on the bridge): a row per sample after the first, with the time since t0 and, per node, the MB sent
    and received since the first sample and the MB/s over the interval since the previous one. Lines that are not
    whole (the sampler stopped mid-line) are left out."""
    samples = []
    for line in (text or "").splitlines():
        f = line.split()
        if len(f) == 1 + 2 * nodes:
            samples.append([float(f[0])] + [int(x) for x in f[1:]])
    rows = []
    for prev, cur in zip(samples, samples[1:]):
        dt = cur[0] - prev[0]
        if dt <= 0:
            continue
        row = {"t_s": round(cur[0] - t0, 3)}
        for k in range(nodes):
            for j, what in ((1, "sent"), (2, "received")):
                i = 2 * k + j
                row[f"n{k}_{what}_mb"] = round((cur[i] - samples[0][i]) / 1e6, 3)
                row[f"n{k}_{what}_mbps"] = round((cur[i] - prev[i]) / dt / 1e6, 2)
        rows.append(row)
    return rows


def write_rates(out, method, rows, nodes, label=None):
    """rates-<method>.csv and, with matplotlib, rates-<method>.png: every node's received MB over time and the
    origin's sent MB (the seed's uplink, for Starling). Returns whether there was anything to write."""
    if not rows:
        return False
    write_csv(os.path.join(out, f"rates-{method}.csv"), rows)
    plt = pyplot()
    if plt is None:
        return True
    fig, ax = plt.subplots(figsize=(7, 4))
    t = [r["t_s"] for r in rows]
    ax.plot(t, [r["n0_sent_mb"] for r in rows], color="black", linewidth=2, label="n0 (origin) sent")
    for k in range(1, nodes):
        ax.plot(t, [r[f"n{k}_received_mb"] for r in rows], linewidth=1, label=f"n{k} received")
    ax.set_ylabel("MB on the wire")
    ax.set_title(label or LABELS.get(method, method))
    ax.legend(fontsize="x-small", ncol=2)
    save(fig, ax, os.path.join(out, f"rates-{method}.png"))
    return True


def rates_note(stamp):
    """The report's line that points at the rates files."""
    return (f"Bytes on the wire over time, per node (0.25 s samples): `bench/out/{stamp}/rates-METHOD.csv` "
            f"(and `.png` with matplotlib; not committed).\n")


def summarize(method, t0, t1, rows, size, ideal):
    down = [r for r in rows if r["role"] == "downloader"]
    finished = [r["finish_s"] for r in down if r["finish_s"] is not None]
    complete = len(finished) == len(down) and all(r["verified"] for r in down)
    total = max(finished) if complete else None
    return {
        "method": method,
        "complete": complete,
        "all_done_s": round(total, 2) if total is not None else None,
        "x_ideal": round(total / ideal, 2) if total is not None else None,
        "origin_egress_x_size": round(rows[0]["egress_bytes"] / size, 3),
        "max_node_egress_x_size": round(max(r["egress_bytes"] for r in down) / size, 3),
        "finish_min_s": round(min(finished), 2) if finished else None,
        "finish_median_s": round(statistics.median(finished), 2) if finished else None,
        "verified": sum(1 for r in down if r["verified"]),
        "downloaders": len(down),
        "cpu_all_s": round(sum(r["cpu_s"] for r in rows), 1),
        "cpu_origin_s": rows[0]["cpu_s"],
        "cpu_max_node_s": max(r["cpu_s"] for r in down),
        "window_s": round(t1 - t0, 2),
    }


def fmt(v, suffix="", decimals=None):
    if v is None:
        return "—"
    return (f"{v:.{decimals}f}" if decimals is not None else f"{v}") + suffix


def finish_table(summaries, all_rows, n):
    """Per-node finish times, one row per method (✗: the node's result did not verify); a second row with the
    transfer time the client itself reported, for methods whose client reports one."""
    lines = ["Per-node finish times (s after the common start; n0 is the origin):", "",
             "| method | " + " | ".join(f"n{k}" for k in range(1, n)) + " |",
             "|---|" + "---|" * (n - 1)]
    for s in summaries:
        row = {r["node"]: r for r in all_rows if r["method"] == s["method"]}
        cells = []
        for k in range(1, n):
            r = row[k]
            cell = fmt(r["finish_s"]) if r["finish_s"] is not None else ("failed" if r["failed"] else "timeout")
            cells.append(cell + ("" if r["verified"] else " ✗"))
        lines.append(f"| {s['method']} | " + " | ".join(cells) + " |")
        if any(row[k]["client_reported_s"] for k in range(1, n)):
            lines.append(f"| {s['method']}: transfer as its get reported it | "
                         + " | ".join(fmt(row[k]["client_reported_s"]) for k in range(1, n)) + " |")
    return lines


def markdown(args, ideal, summaries, all_rows, sources=()):
    when = datetime.strptime(args.stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    n = args.nodes
    lines = [
        f"## {n} nodes, {args.size / 2**20:.0f} MiB, {args.rate} each way ({when})",
        "",
        f"`{args.command}`: 1 origin + {n - 1} downloaders, S = {args.size} bytes, B = {args.rate_bps / 1e6:g} Mbit/s "
        f"up and down per node, S/B = {ideal:.2f} s. Machine: {args.machine}.",
        "",
        "| method | all verified copies (s) | ÷ S/B | origin egress ÷ S | seed served ÷ S "
        "| max downloader egress ÷ S | first / median finish (s) | CPU s: all / origin / max downloader | copies OK |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for s in summaries:
        done = fmt(s["all_done_s"]) if s["complete"] else f"incomplete ({s['window_s']} s)"
        lines.append(
            f"| {LABELS[s['method']]} | {done} | {fmt(s['x_ideal'])} | {s['origin_egress_x_size']:.3f} "
            f"| {fmt(s.get('seed_served_x_size'), decimals=3)} | {s['max_node_egress_x_size']:.3f} "
            f"| {fmt(s['finish_min_s'])} / {fmt(s['finish_median_s'])} "
            f"| {s['cpu_all_s']} / {s['cpu_origin_s']} / {s['cpu_max_node_s']} "
            f"| {s['verified']}/{s['downloaders']} |")
    lines += [""] + finish_table(summaries, all_rows, n)
    starling = next((s for s in summaries if s["method"] == "starling"), None)
    if starling and any(sources):
        lines += ["", "Starling: each daemon's content bytes by source, the piece requests its parents refused and its "
                      "errors (its `/metrics` after the window, less its counts before the window where a warm-up "
                      "ran; n0 is the seed):", ""] + sources_table(sources)
        if starling.get("seed_served_x_size") is not None:
            direct = starling.get("nodes_from_origin_x_size") or 0.0
            rest = starling["origin_egress_x_size"] - starling["seed_served_x_size"] - direct
            lines += ["", f"Starling's origin egress ÷ S = {starling['origin_egress_x_size']:.3f}: the seed daemon "
                          f"served {starling['seed_served_x_size']:.3f} (piece data), the nodes fetched "
                          f"{direct:.3f} from nginx themselves, and {rest:.3f} is the rest (the scheduler's traffic, "
                          f"TCP/IP headers; the seed's own fetch from nginx stays on the origin's loopback)."]
    central = next((s for s in summaries if s["method"] == "central"), None)
    if central and central["complete"]:
        lines += ["", f"Egress is counted in bytes on the wire (eth0 tx_bytes: payload plus TCP/IP/Ethernet headers); "
                      f"central's origin egress ÷ ((N−1)·S) = {central['origin_egress_x_size'] / (n - 1):.3f} "
                      f"is that overhead for one plain HTTP copy."]
    return "\n".join(lines) + "\n"


def pyplot():
    """matplotlib's pyplot on the Agg backend, or None where matplotlib is not installed (the plots are optional)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    return plt


def save(fig, ax, path):
    """The common finish of every plot: time axis, grid, layout, PNG."""
    ax.set_xlabel("seconds since start")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def plot(path, ideal, summaries, all_rows, ylabel="nodes holding the file"):
    plt = pyplot()
    if plt is None:
        return False
    fig, ax = plt.subplots(figsize=(7, 4))
    for s in summaries:
        times = sorted(r["finish_s"] for r in all_rows if r["method"] == s["method"] and r["finish_s"] is not None)
        if times:
            ax.step([0] + times, range(len(times) + 1), where="post", label=s["method"])
    ax.axvline(ideal, color="grey", linestyle=":", label="S/B")
    ax.set_ylabel(ylabel)
    ax.legend()
    save(fig, ax, path)
    return True


TITLE = "# bench/run results\n\nNewest first; each section is one `bench/run` invocation (see bench/README.md).\n\n"


def write_results(path, section, title=TITLE):
    """Puts `section` first under the file's title (`title` when the file does not exist yet)."""
    old = read(path, "")
    if old.startswith("# "):
        head, _, rest = old.partition("\n## ")
        rest = ("## " + rest + "\n") if rest else ""   # read() strips the file's last newline: put it back
        text = head.rstrip("\n") + "\n\n" + section + ("\n" + rest if rest else "")
    else:
        text = title + section
    with open(path, "w") as f:
        f.write(text)


def write_csv(path, rows):
    """rows (dicts with the same keys) as CSV, a header first."""
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)


def write_csvs(out, all_rows, summaries):
    """nodes.csv (a row per method and node) and summary.csv (a row per method) in directory `out`."""
    for name, rows in (("nodes.csv", all_rows), ("summary.csv", summaries)):
        write_csv(os.path.join(out, name), rows)


def main():
    p = argparse.ArgumentParser()
    for name in ("work", "out", "methods", "rate", "command", "machine", "stamp", "results"):
        p.add_argument("--" + name, required=True)
    p.add_argument("--nodes", type=int, required=True)
    p.add_argument("--size", type=int, required=True)
    p.add_argument("--rate-bps", type=int, required=True)
    p.add_argument("--starling-label", default=None,
                   help="replaces Starling's label in the tables (e.g. to say its daemons were warmed up)")
    args = p.parse_args()
    if args.starling_label:
        LABELS["starling"] = args.starling_label
    ideal = args.size * 8 / args.rate_bps
    summaries, all_rows, sources, rates = [], [], [], False
    for m in args.methods.split(","):
        t0, t1, rows = collect(args.work, m, args.nodes)
        all_rows += rows
        summary = summarize(m, t0, t1, rows, args.size, ideal)
        sources = starling_sources(args.work, args.nodes) if m == "starling" else sources
        summary.update(seed_summary(sources if m == "starling" else [], args.size))
        summaries.append(summary)
        rates |= write_rates(args.out, m, rate_rows(read(os.path.join(args.work, m, "rates.tsv")), t0, args.nodes),
                             args.nodes)
    write_csvs(args.out, all_rows, summaries)
    section = markdown(args, ideal, summaries, all_rows, sources)
    if plot(os.path.join(args.out, "completion.png"), ideal, summaries, all_rows):
        section += f"\nPlot of completions over time: `bench/out/{args.stamp}/completion.png` (not committed).\n"
    if rates:
        section += rates_note(args.stamp)
    with open(os.path.join(args.out, "report.md"), "w") as f:
        f.write(section)
    if args.results != "none":
        write_results(args.results, section)
    print(section)
    print(f"CSV: {args.out}/nodes.csv, {args.out}/summary.csv")
    return 0 if all(s["complete"] for s in summaries) else 1


if __name__ == "__main__":
    raise SystemExit(main())
