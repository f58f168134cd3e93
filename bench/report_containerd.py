"""Turns what bench/run-containerd recorded into CSV, a markdown report and (with matplotlib) a plot.

The per-method files are bench/run's (see report.py: t0, t1, nK.tx0/tx1, nK.done or nK.failed, nK.sha, nK.times,
cpu0/cpu1), with nK.sha "ok" when `ctr images check -q` listed the image as complete and unpacked. Two more per
method: registry.log, the registry's access log (Apache combined format, one line per request), and for Starling
nK.metrics, each daemon's Prometheus text (n0 is the seed).
"""
import argparse
import json
import os
import re
from datetime import datetime, timezone

import report

LABELS = {"direct": "direct (containerd ← registry)", "starling": "Starling (containerd ← each node's mirror)"}
TITLE = ("# bench/run results\n\nNewest first; each section is one `bench/run` or `bench/run-containerd` invocation "
         "(see bench/README.md).\n\n")

# 10.77.0.2 - - [29/Nov/2026:08:46:20 +0000] "GET /v2/x/blobs/sha256:ab… HTTP/1.1" 200 883 "" "containerd/1.6.20"
ACCESS_LINE = re.compile(r'^(\S+) \S+ \S+ \[[^]]*] "(\S+) (\S+) [^"]*" (\d{3}) (\d+|-)')
BLOB_PATH = re.compile(r"^/v2/.+/blobs/(sha256:[0-9a-f]{64})$")


def registry_blob_bytes(log_text):
    """Blob body bytes the registry sent, by client address: GETs of /v2/…/blobs/DIGEST answered 200 or 206.
    Manifests, HEADs and errors are left out. Lines that are not access-log lines (a stray message) are skipped."""
    by_client = {}
    for line in log_text.splitlines():
        m = ACCESS_LINE.match(line)
        if not m or m[2] != "GET" or m[4] not in ("200", "206") or m[5] == "-":
            continue
        if BLOB_PATH.match(m[3].split("?", 1)[0]):
            by_client[m[1]] = by_client.get(m[1], 0) + int(m[5])
    return by_client


def registry_summary(work, method, size, origin_ip="10.77.0.1"):
    """Registry blob bytes ÷ S: in all, to the origin namespace's own address (the seed) and to the nodes."""
    by_client = registry_blob_bytes(report.read(os.path.join(work, method, "registry.log"), "") or "")
    total = sum(by_client.values())
    own = by_client.get(origin_ip, 0)
    return {
        "registry_served_x_size": round(total / size, 3),
        "registry_to_origin_ns_x_size": round(own / size, 3),
        "registry_to_nodes_x_size": round((total - own) / size, 3),
    }


def markdown(args, ideal, summaries, all_rows, image, sources):
    when = datetime.strptime(args.stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    n = args.nodes
    layer_mib = ", ".join(f"{layer['size'] / 2**20:.1f}" for layer in image["layers"])
    lines = [
        f"## containerd: {n} nodes, {args.size / 2**20:.0f} MiB image in {args.layers} layers, {args.rate} each way "
        f"({when})",
        "",
        f"`{args.command}`: 1 origin (docker-registry; for Starling also the scheduler and a seed daemon) + {n - 1} "
        f"nodes, each with its own {args.runtime} pulling with `ctr images pull` (fetch and unpack, snapshotter "
        f"{args.snapshotter}). S = {args.size} bytes (config + layers of {layer_mib} MiB, gzip'd tars of random "
        f"files), B = {args.rate_bps / 1e6:g} Mbit/s up and down per node, S/B = {ideal:.2f} s. "
        f"Machine: {args.machine}.",
        "",
        "| method | all nodes have the image (s) | ÷ S/B | origin ns egress ÷ S | registry served ÷ S: all (to origin ns "
        "/ to nodes) | max node egress ÷ S | first / median finish (s) | CPU s: all / origin / max node | images OK |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for s in summaries:
        done = report.fmt(s["all_done_s"]) if s["complete"] else f"incomplete ({s['window_s']} s)"
        lines.append(
            f"| {LABELS[s['method']]} | {done} | {report.fmt(s['x_ideal'])} | {s['origin_egress_x_size']:.3f} "
            f"| {s['registry_served_x_size']:.3f} ({s['registry_to_origin_ns_x_size']:.3f} / "
            f"{s['registry_to_nodes_x_size']:.3f}) | {s['max_node_egress_x_size']:.3f} "
            f"| {report.fmt(s['finish_min_s'])} / {report.fmt(s['finish_median_s'])} "
            f"| {s['cpu_all_s']} / {s['cpu_origin_s']} / {s['cpu_max_node_s']} "
            f"| {s['verified']}/{s['downloaders']} |")
    lines += [""] + report.finish_table(summaries, all_rows, n)
    if any(s.get("cpu_by_program") for s in summaries):
        lines += ["", "CPU s within the window by program, all namespaces (`java`: the Starling daemons and the "
                      "scheduler; `ctr`: the pulls, which exit within it):", ""]
        for s in summaries:
            lines.append(f"* {s['method']}: {s.get('cpu_by_program') or '—'}")
    if any(sources):
        lines += ["", "Starling: each daemon's content bytes by source, the piece requests its parents refused and its "
                      "errors (its `/metrics` after the window; n0 is the seed):", ""]
        lines += report.sources_table(sources, origin_label="from the registry")
    direct = next((s for s in summaries if s["method"] == "direct"), None)
    if direct and direct["complete"]:
        lines += ["", "Egress is counted in bytes on the wire (eth0 tx_bytes: payload plus TCP/IP/Ethernet headers); "
                      f"direct's origin egress ÷ ((N−1)·S) = {direct['origin_egress_x_size'] / (n - 1):.3f} is that "
                      "overhead, manifests included, for one plain pull. Registry served counts blob bodies only "
                      "(its access log)."]
    return "\n".join(lines) + "\n"


def main():
    p = argparse.ArgumentParser()
    for name in ("work", "out", "methods", "rate", "command", "machine", "stamp", "results", "image", "snapshotter",
                 "runtime"):
        p.add_argument("--" + name, required=True)
    p.add_argument("--nodes", type=int, required=True)
    p.add_argument("--size", type=int, required=True, help="image bytes: config and layers")
    p.add_argument("--layers", type=int, required=True)
    p.add_argument("--rate-bps", type=int, required=True)
    args = p.parse_args()
    ideal = args.size * 8 / args.rate_bps
    with open(args.image) as f:
        image = json.load(f)
    summaries, all_rows, rates = [], [], False
    for m in args.methods.split(","):
        t0, t1, rows = report.collect(args.work, m, args.nodes)
        all_rows += rows
        summary = report.summarize(m, t0, t1, rows, args.size, ideal)
        summary.update(registry_summary(args.work, m, args.size))
        summary["cpu_by_program"] = ", ".join(
            f"{p} {c}" for p, c in report.cpu_by_program(os.path.join(args.work, m), client="ctr").items())
        summaries.append(summary)
        rates |= report.write_rates(args.out, m, report.rate_rows(
            report.read(os.path.join(args.work, m, "rates.tsv")), t0, args.nodes), args.nodes, LABELS.get(m, m))
    sources = report.starling_sources(args.work, args.nodes) if "starling" in args.methods.split(",") else []
    report.write_csvs(args.out, all_rows, summaries)
    section = markdown(args, ideal, summaries, all_rows, image, sources)
    if report.plot(os.path.join(args.out, "completion.png"), ideal, summaries, all_rows, "nodes holding the image"):
        section += f"\nPlot of completions over time: `bench/out/{args.stamp}/completion.png` (not committed).\n"
    if rates:
        section += report.rates_note(args.stamp)
    with open(os.path.join(args.out, "report.md"), "w") as f:
        f.write(section)
    if args.results != "none":
        report.write_results(args.results, section, TITLE)
    print(section)
    print(f"CSV: {args.out}/nodes.csv, {args.out}/summary.csv")
    return 0 if all(s["complete"] for s in summaries) else 1


if __name__ == "__main__":
    raise SystemExit(main())
