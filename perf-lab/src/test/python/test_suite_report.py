"""Tests of perf-lab/suite_report.py: the parsing of JMH's JSON and of the latency lines, the targets, the table and
where the section goes in RESULTS.md. Maven runs them in perf-lab's test phase (python3 -m unittest)."""

import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..")))

import suite_report  # noqa: E402  (perf-lab/ is put on the path above)

RANK = "dev.starling.perflab.SchedulerBenchmark.rankParents"


def metric(score, raw, unit, error="NaN"):
    return {"score": score, "scoreError": error, "scoreUnit": unit, "rawData": [raw]}


def result(benchmark, score, unit, norm_raw, rate_raw, params=None, mode="avgt", measurement="2 s", extra=None):
    secondary = {
        "gc.alloc.rate.norm": metric(sum(norm_raw) / len(norm_raw), norm_raw, "B/op"),
        "gc.alloc.rate": metric(sum(rate_raw) / len(rate_raw), rate_raw, "MB/sec"),
        "gc.count": metric(0.0, [0.0] * len(norm_raw), "counts"),
    }
    secondary.update(extra or {})
    r = {
        "benchmark": benchmark,
        "mode": mode,
        "measurementTime": measurement,
        "primaryMetric": metric(score, [score] * len(norm_raw), unit, error=1.5),
        "secondaryMetrics": secondary,
    }
    if params is not None:
        r["params"] = params
    return r


class LatencyLinesTest(unittest.TestCase):
    def test_should_parse_line_with_params_even_after_jmh_iteration_prefix(self):
        log = ("Iteration   3: \n"
               "latency %s peers=8: 4315973 samples, p50 0.35 us, p90 0.50 us, p99 0.59 us, p99.9 2.00 us, "
               "max 4044.80 us\n" % RANK +
               "Iteration   3: latency dev.a.B.c pieceLengthBytes=65536 transport=nio: 12 samples, p50 42.14 us, "
               "p90 71.23 us, p99 134.91 us, p99.9 2789.38 us, max 7626.75 us\n")
        found = suite_report.parse_latency_lines(log)
        self.assertEqual(2, len(found))
        rank = found[(RANK, (("peers", "8"),))]
        self.assertEqual(4315973, rank["samples"])
        self.assertEqual(0.59, rank["p99"])
        self.assertEqual(2.0, rank["p99.9"])
        rt = found[("dev.a.B.c", (("pieceLengthBytes", "65536"), ("transport", "nio")))]
        self.assertEqual(7626.75, rt["max"])

    def test_should_parse_line_without_params(self):
        found = suite_report.parse_latency_lines(
            "latency dev.a.B.c: 5 samples, p50 1.00 us, p90 2.00 us, p99 3.00 us, p99.9 4.00 us, max 5.00 us")
        self.assertEqual({("dev.a.B.c", ())}, set(found))

    def test_should_ignore_other_output(self):
        self.assertEqual({}, suite_report.parse_latency_lines(
            "rankParents (8 peers, 10 decisions): p50 0.33 us\n# Benchmark: latency of things\n"))


class RowTest(unittest.TestCase):
    def test_should_meet_zero_target_on_median_when_last_iteration_carries_teardown(self):
        r = suite_report.row_for(
            result("dev.x.StoreReadBenchmark.lookupPiece", 57.0, "ns/op", [0.0001, 0.0002, 650.0], [0.003] * 3),
            {})
        self.assertAlmostEqual(0.0002, r["b_per_op"])
        self.assertAlmostEqual(650.0003 / 3, r["b_per_op_mean"], places=3)
        self.assertEqual("yes", r["met"])
        self.assertEqual("≈ 0 B/op", r["target"])
        self.assertEqual("StoreReadBenchmark.lookupPiece", r["benchmark"])
        self.assertEqual("—", r["params"])

    def test_should_meet_zero_target_when_few_ops_carry_jmh_iteration_work(self):
        # 26 B/op at 265 ops/s over 1 s iterations: about 7 KB per iteration, JMH's own.
        r = suite_report.row_for(
            result("dev.x.PieceHashBenchmark.hashPiece", 265.0, "ops/s", [26.0] * 3, [0.0066] * 3,
                   params={"algorithm": "SHA256"}, mode="thrpt", measurement="1 s"), {})
        self.assertEqual("yes", r["met"])
        self.assertEqual("algorithm=SHA256", r["params"])

    def test_should_miss_zero_target_when_every_iteration_allocates(self):
        r = suite_report.row_for(
            result("dev.x.IndexUpdateBenchmark.commitPiece", 8000.0, "ns/op", [352.0] * 3, [41.0] * 3), {})
        self.assertEqual("**no**", r["met"])

    def test_should_miss_when_score_below_minimum(self):
        r = suite_report.row_for(
            result("dev.x.SchedulerBenchmark.pieceEvents", 900_000.0, "ops/s", [0.0] * 3, [0.003] * 3,
                   params={"peers": "64"}, mode="thrpt"), {})
        self.assertEqual("**no**", r["met"])
        self.assertEqual("≥ 1,000,000 ops/s; ≈ 0 B/op", r["target"])

    def test_should_judge_p99_from_latency_line_and_show_unknown_without_it(self):
        res = result(RANK, 467.0, "ns/op", [0.0] * 3, [0.003] * 3, params={"peers": "8"})
        key = (RANK, (("peers", "8"),))
        fast = {key: {"samples": 10, "p50": 0.3, "p90": 0.5, "p99": 0.6, "p99.9": 2.0, "max": 4000.0}}
        slow = {key: dict(fast[key], p99=51.0)}
        self.assertEqual("yes", suite_report.row_for(res, fast)["met"])
        self.assertEqual("**no**", suite_report.row_for(res, slow)["met"])
        self.assertEqual("?", suite_report.row_for(res, {})["met"])
        self.assertEqual("p99 ≤ 50 µs; ≈ 0 B/op", suite_report.row_for(res, {})["target"])

    def test_should_show_megabytes_of_round_trip_with_its_unit(self):
        r = suite_report.row_for(
            result("dev.x.PieceRoundTripBenchmark.requestPiece", 18000.0, "ops/s", [68.0] * 3, [1.0] * 3,
                   params={"transport": "epoll", "pieceLengthBytes": "65536"}, mode="thrpt",
                   extra={"megabytes": metric(1179.4, [1179.4] * 3, "ops/s")}),
            {})
        self.assertEqual("ops/s (1,179 MB/s)", r["unit"])
        self.assertEqual("pieceLengthBytes=65536, transport=epoll", r["params"])
        self.assertEqual("**no**", r["met"])

    def test_should_leave_rdma_fallback_rows_to_comparison_with_tcp_row(self):
        r = suite_report.row_for(
            result("dev.x.RdmaFallbackBenchmark.requestPiece", 18000.0, "ops/s", [90.0] * 3, [1.0] * 3,
                   params={"path": "rdma-refused", "pieceLengthBytes": "65536"}, mode="thrpt"),
            {})
        self.assertEqual("—", r["met"])
        self.assertEqual("fallback paths as `path=tcp` (no overhead)", r["target"])

    def test_should_leave_b_per_op_unknown_without_gc_profiler(self):
        res = result("dev.x.PieceBitmapBenchmark.get", 3.4, "ns/op", [0.0], [0.0])
        del res["secondaryMetrics"]["gc.alloc.rate.norm"]
        del res["secondaryMetrics"]["gc.alloc.rate"]
        r = suite_report.row_for(res, {})
        self.assertEqual("?", r["met"])
        self.assertIn("| — | — |", suite_report.results_table([r]))


class FormatTest(unittest.TestCase):
    def test_should_format_numbers_for_tables(self):
        self.assertEqual("8,684,908", suite_report.fmt(8684907.94))
        self.assertEqual("50", suite_report.fmt(50.0))
        self.assertEqual("467.0", suite_report.fmt(467.02))
        self.assertEqual("46.21", suite_report.fmt(46.212))
        self.assertEqual("0.087", suite_report.fmt(0.0871))
        self.assertEqual("< 0.001", suite_report.fmt(0.0001))
        self.assertEqual("0", suite_report.fmt(0.0))
        self.assertEqual("—", suite_report.fmt(float("nan")))

    def test_should_read_jmh_durations(self):
        self.assertEqual(2.0, suite_report.seconds("2 s"))
        self.assertEqual(0.5, suite_report.seconds("500 ms"))
        self.assertEqual(60.0, suite_report.seconds("1 min"))

    def test_should_describe_machine_from_proc_files(self):
        cpuinfo = ("processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu sse avx2 sha_ni\n\n"
                   "processor\t: 1\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu\n")
        meminfo = "MemTotal:       24576000 kB\nMemFree:        1000 kB\n"
        self.assertEqual("2 cores (`nproc`), Intel(R) Xeon(R) Processor with sha_ni, avx2, 23 GiB RAM, "
                         "kernel `6.1.0`", suite_report.machine_text(cpuinfo, meminfo, "6.1.0", "2"))


class InsertSectionTest(unittest.TestCase):
    def test_should_put_newest_section_after_title_before_older_ones(self):
        doc = "# perf-lab results\n\n## 2026-11-28: first run\n\nold text\n"
        out = suite_report.insert_section(doc, "## 2026-11-29: suite\n\nnew text\n")
        self.assertEqual("# perf-lab results\n\n## 2026-11-29: suite\n\nnew text\n\n"
                         "## 2026-11-28: first run\n\nold text\n", out)

    def test_should_append_when_document_has_no_section_yet(self):
        self.assertEqual("# perf-lab results\n\n## new\n\n",
                         suite_report.insert_section("# perf-lab results\n", "## new\n"))
        self.assertEqual("## new\n\n", suite_report.insert_section("", "## new"))


class MainTest(unittest.TestCase):
    def test_should_write_dated_section_with_run_details_tables_and_percentiles(self):
        with tempfile.TemporaryDirectory() as tmp:
            def path(name, text):
                p = os.path.join(tmp, name)
                with open(p, "w", encoding="utf-8") as f:
                    f.write(text)
                return p

            results = [
                result(RANK, 467.0, "ns/op", [0.01, 0.02, 300.0], [0.003] * 3, params={"peers": "8"}),
                result("dev.starling.perflab.PieceBitmapBenchmark.set", 3.1, "ns/op", [0.0] * 3, [0.003] * 3),
            ]
            args = [
                "--json", path("r.json", json.dumps(results)),
                "--log", path("r.log", "# Run progress\nlatency %s peers=8: 100 samples, p50 0.35 us, p90 0.50 us, "
                                       "p99 0.59 us, p99.9 2.00 us, max 4044.80 us\n" % RANK),
                "--results", path("RESULTS.md", "# perf-lab results\n\n## 2026-11-28: first run\n\nold\n"),
                "--command=perf-lab/suite", "--jmh-options=-f 1 -wi 2 -i 3 -w 1s -r 2s -prof gc",
                "--selection=all", "--jdk", path("jdk.txt", 'openjdk version "25.0.3"\nOpenJDK 64-Bit Server VM\n'),
                "--flags=-Dchronicle.analytics.disable=true --enable-native-access=ALL-UNNAMED",
                "--date=2026-11-29 09:00 UTC", "--commit=abc1234", "--load=0.5 0.6 0.7 / 1.0 0.9 0.8",
                "--kernel=6.1.0", "--cores=2",
                "--cpuinfo", path("cpuinfo", "model name\t: Test CPU\nflags\t: sha_ni\n"),
                "--meminfo", path("meminfo", "MemTotal: 2097152 kB\n"),
            ]
            stdout, stderr = sys.stdout, sys.stderr
            with open(os.devnull, "w") as devnull:
                sys.stdout = sys.stderr = devnull
                try:
                    status = suite_report.main(args)
                finally:
                    sys.stdout, sys.stderr = stdout, stderr
            self.assertEqual(0, status)
            with open(os.path.join(tmp, "RESULTS.md"), encoding="utf-8") as f:
                doc = f.read()

        self.assertTrue(doc.startswith("# perf-lab results\n\n## 2026-11-29 09:00 UTC: perf-lab suite\n"))
        self.assertLess(doc.index("2026-11-29"), doc.index("## 2026-11-28: first run"))
        self.assertIn("```\nperf-lab/suite\n```", doc)
        self.assertIn("commit `abc1234`", doc)
        self.assertIn("`-f 1 -wi 2 -i 3 -w 1s -r 2s -prof gc`", doc)
        self.assertIn('**JDK:** `openjdk version "25.0.3" / OpenJDK 64-Bit Server VM`', doc)
        self.assertIn("`-Dchronicle.analytics.disable=true --enable-native-access=ALL-UNNAMED`", doc)
        self.assertIn("2 cores (`nproc`), Test CPU with sha_ni, 2 GiB RAM, kernel `6.1.0`", doc)
        self.assertIn("shared", doc)
        self.assertIn("| `SchedulerBenchmark.rankParents` | peers=8 | 467 ± 1.50 | ns/op | 0.020 | 100.0 | "
                      "p99 ≤ 50 µs; ≈ 0 B/op | yes |", doc)
        self.assertIn("| `PieceBitmapBenchmark.set` | — | 3.10 ± 1.50 | ns/op | 0 | 0 | ≈ 0 B/op | yes |", doc)
        self.assertIn("| `SchedulerBenchmark.rankParents` | peers=8 | 100 | 0.350 | 0.500 | 0.590 | 2 | 4,045 |",
                      doc)


if __name__ == "__main__":
    unittest.main()
