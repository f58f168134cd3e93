"""Tests for oci_image.py: the layout is one skopeo and containerd accept (digests, sizes, diff_ids, tar content)."""
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import unittest

import oci_image


def sha256_file(path):
    with open(path, "rb") as f:
        return "sha256:" + hashlib.sha256(f.read()).hexdigest()


class LayerSizesTest(unittest.TestCase):
    def test_should_split_evenly_in_whole_kib_with_the_remainder_on_the_first_layers(self):
        self.assertEqual([3072, 3072, 2048], oci_image.layer_sizes(8 * 1024, 3))
        self.assertEqual(8 * 1024, sum(oci_image.layer_sizes(8 * 1024 + 100, 3)))

    def test_should_give_every_layer_at_least_one_kib(self):
        self.assertEqual([1024, 1024], oci_image.layer_sizes(10, 2))

    def test_should_refuse_zero_layers(self):
        with self.assertRaises(ValueError):
            oci_image.layer_sizes(1024, 0)


class BuildTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="oci-image-test-")
        # 20 KiB + 100 bytes over three layers, at most 4 KiB a file: 7, 7 and 6 KiB, in 2 or 3 files each.
        self.file_max = 4096
        self.sizes = [7168, 7168, 6144]
        self.summary = oci_image.build(self.dir, 20 * 1024 + 100, layers=3, ref="v1", file_max_bytes=self.file_max)

    def tearDown(self):
        shutil.rmtree(self.dir)

    def blob(self, digest):
        return os.path.join(self.dir, "blobs", "sha256", digest.split(":", 1)[1])

    def manifest(self):
        with open(self.blob(self.summary["manifest"])) as f:
            return json.load(f)

    def test_should_name_every_blob_by_its_digest_and_leave_no_temporary_file(self):
        names = os.listdir(os.path.join(self.dir, "blobs", "sha256"))
        self.assertEqual(5, len(names), names)  # manifest, config, three layers
        for name in names:
            self.assertEqual("sha256:" + name, sha256_file(self.blob("sha256:" + name)))

    def test_should_index_the_manifest_under_its_ref(self):
        with open(os.path.join(self.dir, "index.json")) as f:
            index = json.load(f)
        (entry,) = index["manifests"]
        self.assertEqual(self.summary["manifest"], entry["digest"])
        self.assertEqual(os.path.getsize(self.blob(entry["digest"])), entry["size"])
        self.assertEqual("v1", entry["annotations"]["org.opencontainers.image.ref.name"])
        with open(os.path.join(self.dir, "oci-layout")) as f:
            self.assertEqual("1.0.0", json.load(f)["imageLayoutVersion"])

    def test_should_describe_each_layer_with_its_size_and_the_config_with_its_diff_ids(self):
        manifest = self.manifest()
        self.assertEqual(oci_image.MANIFEST_MEDIA_TYPE, manifest["mediaType"])
        with open(self.blob(manifest["config"]["digest"])) as f:
            config = json.load(f)
        self.assertEqual(("amd64", "linux"), (config["architecture"], config["os"]))
        self.assertEqual(3, len(manifest["layers"]))
        for layer, diff_id in zip(manifest["layers"], config["rootfs"]["diff_ids"]):
            self.assertEqual(oci_image.LAYER_MEDIA_TYPE, layer["mediaType"])
            self.assertEqual(os.path.getsize(self.blob(layer["digest"])), layer["size"])
            with gzip.open(self.blob(layer["digest"])) as f:
                self.assertEqual(diff_id, "sha256:" + hashlib.sha256(f.read()).hexdigest())

    def test_should_put_the_layer_sizes_in_files_under_a_directory_per_layer(self):
        for i, layer in enumerate(self.manifest()["layers"]):
            with gzip.open(self.blob(layer["digest"])) as f, tarfile.open(fileobj=io.BytesIO(f.read())) as tar:
                members = tar.getmembers()
            self.assertTrue(members[0].isdir())
            self.assertEqual(f"layer-{i}", members[0].name)
            self.assertEqual(self.sizes[i], sum(m.size for m in members[1:] if m.isfile()))
            self.assertEqual([f"layer-{i}/file-{j}.bin" for j in range(2)], [m.name for m in members[1:3]])
            self.assertTrue(all(m.size <= self.file_max for m in members))

    def test_should_report_the_bytes_a_pull_downloads(self):
        manifest = self.manifest()
        self.assertEqual(manifest["config"]["size"] + sum(x["size"] for x in manifest["layers"]),
                         self.summary["blob_bytes"])
        self.assertEqual([x["digest"] for x in manifest["layers"]], [x["digest"] for x in self.summary["layers"]])

    @unittest.skipUnless(shutil.which("skopeo"), "skopeo not installed")
    def test_should_be_read_by_skopeo_with_every_digest_verified(self):
        out = os.path.join(self.dir, "copy")
        subprocess.run(["skopeo", "--insecure-policy", "copy", "--quiet", f"oci:{self.dir}:v1", f"dir:{out}"],
                       check=True, capture_output=True, env={**os.environ, "TMPDIR": self.dir})
        for layer in self.summary["layers"]:
            self.assertEqual(layer["digest"], sha256_file(os.path.join(out, layer["digest"].split(":", 1)[1])))


if __name__ == "__main__":
    unittest.main()
