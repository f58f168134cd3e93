"""Tests for report_containerd.py: the registry's access log and the section it writes (the daemons' counters are
report.py's, tested in test_report.py)."""
import argparse
import os
import shutil
import tempfile
import unittest

import report
import report_containerd
from test_report import METRICS, fake_method, write

DIGEST = "sha256:" + "ab" * 32
OTHER = "sha256:" + "cd" * 32
# Lines as docker-registry 2.8 writes them (gorilla/handlers' combined format).
ACCESS_LOG = "\n".join([
    '10.77.0.2 - - [29/Nov/2026:08:46:20 +0000] "GET /v2/ HTTP/1.1" 200 2 "" "Java-http-client/25.0.3"',
    '10.77.0.3 - - [29/Nov/2026:08:46:20 +0000] "HEAD /v2/bench/app/manifests/v1 HTTP/1.1" 200 883 "" "containerd"',
    '10.77.0.3 - - [29/Nov/2026:08:46:20 +0000] "GET /v2/bench/app/manifests/v1 HTTP/1.1" 200 883 "" "containerd"',
    f'10.77.0.2 - - [29/Nov/2026:08:46:21 +0000] "HEAD /v2/bench/app/blobs/{DIGEST} HTTP/1.1" 200 0 "" "containerd"',
    f'10.77.0.1 - - [29/Nov/2026:08:46:22 +0000] "GET /v2/bench/app/blobs/{DIGEST} HTTP/1.1" 206 4194304 "" "s/0.1"',
    f'10.77.0.1 - - [29/Nov/2026:08:46:22 +0000] "GET /v2/bench/app/blobs/{DIGEST} HTTP/1.1" 206 5388 "" "s/0.1"',
    f'10.77.0.2 - - [29/Nov/2026:08:46:23 +0000] "GET /v2/team/sub/app/blobs/{OTHER}?ns=x HTTP/1.1" 200 1000 "" "c"',
    f'10.77.0.3 - - [29/Nov/2026:08:46:23 +0000] "GET /v2/bench/app/blobs/{OTHER} HTTP/1.1" 404 157 "" "c"',
    f'10.77.0.3 - - [29/Nov/2026:08:46:23 +0000] "GET /v2/bench/app/blobs/{OTHER} HTTP/1.1" 200 - "" "c"',
    'time="2026-11-29T08:46:24Z" level=warning msg="a message, not a request"',
    "",
])



class AccessLogTest(unittest.TestCase):
    def test_should_count_blob_bodies_sent_by_client_and_nothing_else(self):
        self.assertEqual({"10.77.0.1": 4194304 + 5388, "10.77.0.2": 1000},
                         report_containerd.registry_blob_bytes(ACCESS_LOG))

    def test_should_read_an_empty_log_as_nothing_sent(self):
        self.assertEqual({}, report_containerd.registry_blob_bytes(""))


class SectionTest(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="report-containerd-test-")
        self.size = 5_000_000
        self.image = {"layers": [{"size": 3 * 2**20}, {"size": 2**20}]}

    def tearDown(self):
        shutil.rmtree(self.work)

    def method(self, m, registry_log):
        write(os.path.join(self.work, m, "registry.log"), registry_log)
        t0, t1, rows = report.collect(self.work, m, 3)
        s = report.summarize(m, t0, t1, rows, self.size, ideal=2.0)
        s.update(report_containerd.registry_summary(self.work, m, self.size))
        return s, rows

    def test_should_split_registry_bytes_between_the_origin_namespace_and_the_nodes(self):
        fake_method(self.work, "starling", done={1: 104.0, 2: 106.0}, sha={1: "ok", 2: "ok"},
                    tx=[(0, 6_000_000), (0, 3_000_000), (0, 2_000_000)])
        line = '{} - - [x] "GET /v2/a/blobs/' + DIGEST + ' HTTP/1.1" 200 {} "" "c"'
        s, _ = self.method("starling", "\n".join([line.format("10.77.0.1", 5_000_000),
                                                  line.format("10.77.0.3", 500_000)]))
        self.assertEqual({"registry_served_x_size": 1.1, "registry_to_origin_ns_x_size": 1.0,
                          "registry_to_nodes_x_size": 0.1},
                         {k: s[k] for k in s if k.startswith("registry_")})

    def test_should_write_both_methods_and_the_daemons_sources(self):
        fake_method(self.work, "direct", done={1: 108.0, 2: 110.0}, sha={1: "ok", 2: "ok"},
                    tx=[(0, 10_020_000), (0, 10), (0, 10)])
        direct, direct_rows = self.method("direct", "")
        fake_method(self.work, "starling", done={1: 104.0, 2: 106.0}, sha={1: "ok", 2: "bad"},
                    tx=[(0, 6_000_000), (0, 3_000_000), (0, 2_000_000)])
        starling, starling_rows = self.method("starling", "")
        starling["cpu_by_program"] = "java 50.0, containerd 40.0"
        write(os.path.join(self.work, "starling", "n0.metrics"), METRICS)
        write(os.path.join(self.work, "starling", "n2.metrics"), 'starling_bytes_total{source="peer"} 5e6\n')
        sources = report.starling_sources(self.work, 3)
        args = argparse.Namespace(stamp="20261129T090000Z", nodes=3, size=self.size, layers=2, rate="200mbit",
                                  rate_bps=200e6, command="bench/run-containerd --nodes 3", machine="m",
                                  runtime="containerd 1.6.20", snapshotter="overlayfs")
        text = report_containerd.markdown(args, 2.0, [direct, starling], direct_rows + starling_rows, self.image,
                                          sources)
        self.assertTrue(text.startswith(
            "## containerd: 3 nodes, 5 MiB image in 2 layers, 200mbit each way (2026-11-29 09:00 UTC)\n"))
        self.assertIn("layers of 3.0, 1.0 MiB", text)
        self.assertIn("| direct (containerd ← registry) | 10.0 | 5.0 | 2.004 | 0.000 (0.000 / 0.000) | 0.000 |",
                      text)
        self.assertIn("| Starling (containerd ← each node's mirror) | incomplete (30.0 s) | — | 1.200 |", text)
        self.assertIn("| starling | 4.0 | 6.0 ✗ |", text)
        self.assertIn("| from the registry (MB) | 67.1 | — | — |", text)
        self.assertIn("| from peers (MB) | 0.0 | — | 5.0 |", text)
        self.assertIn("| refused by parents: busy | 7 | — | 0 |", text)
        self.assertIn("| errors | 5 | — | 0 |", text)
        self.assertIn("direct's origin egress ÷ ((N−1)·S) = 1.002", text)
        self.assertIn("\n* starling: java 50.0, containerd 40.0\n", text)


if __name__ == "__main__":
    unittest.main()
