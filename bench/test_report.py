"""Tests for report.py: reading a method's run directory, the summary, the tables and the RESULTS.md update."""
import argparse
import os
import shutil
import tempfile
import unittest

import report

SIZE = 1000
# A daemon's /metrics as the Prometheus client writes it (the seed's, in a containerd run), refusals added.
METRICS = """# HELP starling_bytes_total Content bytes by source
# TYPE starling_bytes_total counter
starling_bytes_total{source="origin"} 6.713078E7
starling_bytes_total{source="peer"} 0.0
starling_bytes_total{source="served"} 1.04879901E8
starling_bytes_total_other{source="peer"} 5.0
starling_errors_total{code="A"} 2
starling_errors_total{code="B"} 3
# TYPE starling_peer_refusals_total counter
starling_peer_refusals_total{status="busy"} 7.0
starling_peer_refusals_total{status="not_available"} 0.0
"""


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def fake_method(work, method, done=None, sha=None, tx=None, cpu0="", cpu1="", times=None, failed=None,
                timeout=()):
    """A run directory as bench/lib.sh's run_method leaves it: node 0 the origin, the rest downloaders."""
    base = os.path.join(work, method)
    write(os.path.join(base, "t0"), "100.0")
    write(os.path.join(base, "t1"), "130.0")
    for k, (tx0, tx1) in enumerate(tx):
        write(os.path.join(base, f"n{k}.tx0"), str(tx0))
        write(os.path.join(base, f"n{k}.tx1"), str(tx1))
    for k, t in (done or {}).items():
        write(os.path.join(base, f"n{k}.done"), str(t))
    for k, s in (sha or {}).items():
        write(os.path.join(base, f"n{k}.sha"), s)
    for k, t in (times or {}).items():
        write(os.path.join(base, f"n{k}.times"), t)
    for k, f in (failed or {}).items():
        write(os.path.join(base, f"n{k}.failed"), f)
    for k in timeout:
        write(os.path.join(base, f"n{k}.timeout"), "")
    write(os.path.join(base, "cpu0"), cpu0)
    write(os.path.join(base, "cpu1"), cpu1)


class ReportTest(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="report-test-")
        self.ticks = os.sysconf("SC_CLK_TCK")

    def tearDown(self):
        shutil.rmtree(self.work)

    def test_should_count_cpu_of_live_processes_since_t0_plus_clients_that_exited(self):
        fake_method(self.work, "central", tx=[(0, 0), (0, 0)],
                    cpu0=f"0 11 {self.ticks}\n", cpu1=f"0 11 {3 * self.ticks}\n1 12 {self.ticks}\n",
                    times={1: "0m0.010s 0m0.020s\n0m1.500s 0m0.250s\n"})
        cpu = report.cpu_by_node(os.path.join(self.work, "central"), 2)
        self.assertAlmostEqual(2.0, cpu[0])              # 3 s at t1 less 1 s at t0
        self.assertAlmostEqual(1.0 + 1.75, cpu[1])       # a process new since t0, plus the client's children

    def test_should_add_cpu_up_by_program_with_exited_clients_under_one_name(self):
        t = self.ticks
        fake_method(self.work, "starling", tx=[(0, 0)] * 3,
                    cpu0=f"0 11 {t} java\n1 12 {t} containerd\n",
                    cpu1=f"0 11 {5 * t} java\n1 12 {3 * t} containerd\n1 13 {2 * t} java\n2 14 {t} containerd\n",
                    times={1: "0m0.000s 0m0.000s\n0m0.400s 0m0.100s\n", 2: "0m0.0s 0m0.0s\n1m0.000s 0m0.000s\n"})
        self.assertEqual({"ctr": 60.5, "java": 6.0, "containerd": 3.0},
                         report.cpu_by_program(os.path.join(self.work, "starling"), client="ctr"))
        self.assertEqual(["ctr", "java", "containerd"],
                         list(report.cpu_by_program(os.path.join(self.work, "starling"), client="ctr")))

    def test_should_read_snapshots_without_command_names(self):
        fake_method(self.work, "central", tx=[(0, 0)] * 2, cpu0="", cpu1=f"1 12 {self.ticks}\n")
        self.assertEqual({"?": 1.0}, report.cpu_by_program(os.path.join(self.work, "central")))
        self.assertEqual([0.0, 1.0], report.cpu_by_node(os.path.join(self.work, "central"), 2))

    def test_should_summarize_a_complete_method(self):
        fake_method(self.work, "central", done={1: 110.0, 2: 120.5}, sha={1: "ok", 2: "ok"},
                    tx=[(100, 100 + 2 * SIZE), (0, 10), (0, 500)])
        t0, t1, rows = report.collect(self.work, "central", 3)
        self.assertEqual([None, 10.0, 20.5], [r["finish_s"] for r in rows])
        s = report.summarize("central", t0, t1, rows, SIZE, ideal=5.0)
        self.assertTrue(s["complete"])
        self.assertEqual(20.5, s["all_done_s"])
        self.assertEqual(4.1, s["x_ideal"])
        self.assertEqual(2.0, s["origin_egress_x_size"])
        self.assertEqual(0.5, s["max_node_egress_x_size"])
        self.assertEqual((10.0, 15.25), (s["finish_min_s"], s["finish_median_s"]))
        self.assertEqual((2, 2), (s["verified"], s["downloaders"]))
        self.assertEqual(30.0, s["window_s"])

    def test_should_call_a_method_incomplete_when_a_copy_is_bad_or_missing(self):
        fake_method(self.work, "starling", done={1: 110.0}, sha={1: "bad", 2: "bad"}, tx=[(0, 0)] * 3,
                    failed={2: "client exited with 1"})
        t0, t1, rows = report.collect(self.work, "starling", 3)
        s = report.summarize("starling", t0, t1, rows, SIZE, ideal=5.0)
        self.assertFalse(s["complete"])
        self.assertIsNone(s["all_done_s"])
        self.assertEqual(0, s["verified"])
        self.assertEqual("client exited with 1", rows[2]["failed"])

    def test_should_mark_failed_timed_out_and_unverified_nodes_in_the_finish_table(self):
        fake_method(self.work, "central", done={1: 110.0}, sha={1: "bad"}, tx=[(0, 0)] * 4,
                    failed={2: "client exited with 7"}, timeout=(3,))
        t0, t1, rows = report.collect(self.work, "central", 4)
        s = report.summarize("central", t0, t1, rows, SIZE, ideal=5.0)
        lines = report.finish_table([s], rows, 4)
        self.assertEqual("| method | n1 | n2 | n3 |", lines[2])
        self.assertEqual("| central | 10.0 ✗ | failed ✗ | timeout ✗ |", lines[4])

    def test_should_add_the_clients_own_timing_row_when_there_is_one(self):
        fake_method(self.work, "starling", done={1: 110.0}, sha={1: "ok"}, tx=[(0, 0)] * 2)
        write(os.path.join(self.work, "starling", "n1.inner"), "8.25")
        t0, t1, rows = report.collect(self.work, "starling", 2)
        lines = report.finish_table([report.summarize("starling", t0, t1, rows, SIZE, 5.0)], rows, 2)
        self.assertEqual("| starling: transfer as its get reported it | 8.25 |", lines[-1])

    def test_should_write_the_daemons_table_and_split_starlings_origin_egress(self):
        fake_method(self.work, "starling", done={1: 110.0, 2: 112.0}, sha={1: "ok", 2: "ok"},
                    tx=[(0, 1_100_000), (0, 300_000), (0, 200_000)])
        write(os.path.join(self.work, "starling", "n0.metrics"),
              'starling_bytes_total{source="origin"} 1e6\nstarling_bytes_total{source="served"} 1e6\n'
              'starling_peer_refusals_total{status="busy"} 4\n')
        write(os.path.join(self.work, "starling", "n1.metrics"),
              'starling_bytes_total{source="origin"} 5e4\nstarling_bytes_total{source="peer"} 9.5e5\n'
              'starling_bytes_total{source="served"} 3e5\nstarling_errors_total{code="x"} 1\n')
        t0, t1, rows = report.collect(self.work, "starling", 3)
        s = report.summarize("starling", t0, t1, rows, 1_000_000, ideal=5.0)
        sources = report.starling_sources(self.work, 3)
        s.update(report.seed_summary(sources, 1_000_000))
        args = argparse.Namespace(stamp="20261129T060119Z", nodes=3, size=1_000_000, rate="1gbit", rate_bps=1e9,
                                  command="bench/run --nodes 3", machine="test machine")
        text = report.markdown(args, 5.0, [s], rows, sources)
        self.assertIn("| Starling (get through a daemon per node) | 12.0 | 2.4 | 1.100 | 1.000 | 0.300 |", text)
        self.assertIn("| | n0 | n1 | n2 |\n|---|---|---|---|\n| from the origin (MB) | 1.0 | 0.1 | — |\n", text)
        self.assertIn("| from peers (MB) | — | 0.9 | — |", text)
        self.assertIn("| served to peers (MB) | 1.0 | 0.3 | — |", text)
        self.assertIn("| refused by parents: busy | 4 | 0 | — |", text)
        self.assertIn("| errors | 0 | 1 | — |", text)
        self.assertIn("origin egress ÷ S = 1.100: the seed daemon served 1.000 (piece data), the nodes fetched "
                      "0.050 from nginx themselves, and 0.050 is the rest", text)

    def test_should_write_the_section_table_with_one_row_per_method(self):
        fake_method(self.work, "central", done={1: 110.0}, sha={1: "ok"}, tx=[(0, SIZE), (0, 0)])
        t0, t1, rows = report.collect(self.work, "central", 2)
        s = report.summarize("central", t0, t1, rows, SIZE, ideal=5.0)
        args = argparse.Namespace(stamp="20261129T060119Z", nodes=2, size=SIZE, rate="200mbit", rate_bps=200e6,
                                  command="bench/run --nodes 2", machine="test machine")
        text = report.markdown(args, 5.0, [s], rows)
        self.assertTrue(text.startswith("## 2 nodes, 0 MiB, 200mbit each way (2026-11-29 06:01 UTC)\n"))
        self.assertIn("| central HTTP (curl ← nginx) | 10.0 | 2.0 | 1.000 | — | 0.000 | 10.0 / 10.0 |", text)
        self.assertNotIn("daemon", text)


class MetricsTest(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="metrics-test-")

    def tearDown(self):
        shutil.rmtree(self.work)

    def test_should_read_a_sample_by_its_labels(self):
        self.assertEqual(6.713078e7, report.metric(METRICS, "starling_bytes_total", 'source="origin"'))
        self.assertEqual(0.0, report.metric(METRICS, "starling_bytes_total", 'source="peer"'))

    def test_should_sum_the_samples_that_match_and_tell_a_missing_one(self):
        self.assertEqual(5.0, report.metric(METRICS, "starling_errors_total"))
        self.assertIsNone(report.metric(METRICS, "starling_missing_total"))
        self.assertIsNone(report.metric(METRICS, "starling_bytes_total", 'source="nope"'))

    def test_should_sum_samples_by_one_label(self):
        text = METRICS + 'starling_peer_refusals_total{node="a",status="busy"} 1\n'
        self.assertEqual({"busy": 8.0, "not_available": 0.0},
                         report.metric_by_label(text, "starling_peer_refusals_total", "status"))
        self.assertEqual({"A": 2.0, "B": 3.0}, report.metric_by_label(METRICS, "starling_errors_total", "code"))
        self.assertEqual({}, report.metric_by_label(METRICS, "starling_missing_total", "status"))

    def test_should_read_each_daemons_counters_and_tell_one_not_read(self):
        write(os.path.join(self.work, "starling", "n0.metrics"), METRICS)
        write(os.path.join(self.work, "starling", "n2.metrics"), 'starling_bytes_total{source="peer"} 5e6\n')
        sources = report.starling_sources(self.work, 3)
        self.assertEqual({"origin": 6.713078e7, "peer": 0.0, "served": 1.04879901e8,
                          "refusals": {"busy": 7.0, "not_available": 0.0}, "errors": 5.0}, sources[0])
        self.assertIsNone(sources[1])
        self.assertEqual({"origin": None, "peer": 5e6, "served": None, "refusals": {}, "errors": None}, sources[2])

    def test_should_count_only_the_window_when_a_snapshot_before_it_exists(self):
        write(os.path.join(self.work, "starling", "n0.metrics"),
              'starling_bytes_total{source="served"} 7e6\nstarling_peer_refusals_total{status="busy"} 9\n'
              'starling_errors_total{code="x"} 2\n')
        write(os.path.join(self.work, "starling", "n0.metrics.before"),
              'starling_bytes_total{source="served"} 1e6\nstarling_errors_total{code="x"} 2\n')
        write(os.path.join(self.work, "starling", "n1.metrics"), 'starling_bytes_total{source="peer"} 5e6\n')
        sources = report.starling_sources(self.work, 2)
        self.assertEqual({"origin": None, "peer": None, "served": 6e6, "refusals": {"busy": 9.0}, "errors": 0.0},
                         sources[0])
        self.assertEqual(5e6, sources[1]["peer"], "a daemon without a snapshot keeps its counts")

    def test_should_give_the_seeds_served_bytes_and_the_nodes_own_fetches_over_s(self):
        sources = [{"served": 1.5e6, "origin": 1e6}, {"origin": 2e5}, None, {"origin": None}]
        self.assertEqual({"seed_served_x_size": 1.5, "nodes_from_origin_x_size": 0.2},
                         report.seed_summary(sources, 1_000_000))
        self.assertEqual({"seed_served_x_size": None, "nodes_from_origin_x_size": None},
                         report.seed_summary([None, None], 1_000_000))
        self.assertEqual({"seed_served_x_size": None, "nodes_from_origin_x_size": None},
                         report.seed_summary([], 1_000_000))


class WriteResultsTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="results-test-")
        self.path = os.path.join(self.dir, "RESULTS.md")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def read(self):
        with open(self.path) as f:
            return f.read()

    def test_should_start_a_missing_file_with_the_title(self):
        report.write_results(self.path, "## first\n", title="# T\n\nintro\n\n")
        self.assertEqual("# T\n\nintro\n\n## first\n", self.read())

    def test_should_put_the_newest_section_first_under_the_existing_title(self):
        write(self.path, "# Old title\n\nintro\n\n## older\n\ntext\n")
        report.write_results(self.path, "## newer\n")
        self.assertEqual("# Old title\n\nintro\n\n## newer\n\n## older\n\ntext\n", self.read())


class RatesTest(unittest.TestCase):
    # Two nodes: the origin sends 2 MB a second to n1, which sends nothing back; the last line is cut short.
    TSV = ("99.75 100 0 0 100\n"
           "100.25 1000100 0 0 1000100\n"
           "100.75 2000100 0 0 2000100\n"
           "101.0 2000100 0\n")

    def test_should_give_bytes_since_the_first_sample_and_rates_per_interval(self):
        rows = report.rate_rows(self.TSV, 100.0, 2)
        self.assertEqual([0.25, 0.75], [r["t_s"] for r in rows])
        self.assertEqual([1.0, 2.0], [r["n0_sent_mb"] for r in rows])
        self.assertEqual([1.0, 2.0], [r["n1_received_mb"] for r in rows])
        self.assertEqual([2.0, 2.0], [r["n0_sent_mbps"] for r in rows])
        self.assertEqual([0.0, 0.0], [r["n1_sent_mbps"] for r in rows])

    def test_should_give_no_rows_without_two_whole_samples(self):
        self.assertEqual([], report.rate_rows(None, 0.0, 2))
        self.assertEqual([], report.rate_rows("1.0 5 5 5 5\n2.0 6 6\n", 0.0, 2))

    def test_should_write_the_csv_and_nothing_without_rows(self):
        out = tempfile.mkdtemp()
        try:
            self.assertFalse(report.write_rates(out, "m", [], 2))
            self.assertFalse(os.path.exists(os.path.join(out, "rates-m.csv")))
            self.assertTrue(report.write_rates(out, "m", report.rate_rows(self.TSV, 100.0, 2), 2))
            with open(os.path.join(out, "rates-m.csv")) as f:
                lines = f.read().splitlines()
            self.assertEqual(3, len(lines))
            self.assertTrue(lines[0].startswith("t_s,n0_sent_mb,n0_sent_mbps,n0_received_mb"))
        finally:
            shutil.rmtree(out)


if __name__ == "__main__":
    unittest.main()
