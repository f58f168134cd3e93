"""Writes a multi-layer container image as an OCI image layout directory, for bench/run-containerd.

The layout holds `oci-layout`, `index.json` naming one manifest under REF, and `blobs/sha256/` with the image
manifest, the config and one gzip'd tar per layer. `skopeo copy oci:DIR:REF docker://…` pushes it; containerd can
pull and unpack it. The same idea as the Java test kit's `OciImage` (dataplane/src/test/…/testkit/OciImage.java),
without a JVM: layer i holds a directory `layer-i/` with files of random bytes (`os.urandom`, so every run's image is
new and incompressible, as a real image's compressed layers are). The `--size` bytes of file content are split over
`--layers` layers as evenly as whole KiB allow; each layer's files are at most 16 MiB.

Prints one JSON line: the manifest digest, the bytes of every blob a pull downloads (config plus layers: the image
size S of the bench) and each layer's digest and size.

Usage: python3 oci_image.py --out DIR --size BYTES [--layers 6] [--ref v1]
"""
import argparse
import hashlib
import json
import os
import tarfile
import zlib

MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json"
CONFIG_MEDIA_TYPE = "application/vnd.oci.image.config.v1+json"
LAYER_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip"
INDEX_MEDIA_TYPE = "application/vnd.oci.image.index.v1+json"
FILE_MAX_BYTES = 16 << 20


def layer_sizes(total_bytes, layers):
    """File content per layer: `total_bytes` split into `layers` parts of whole KiB, the remainder on the first ones.
    Every layer gets at least 1 KiB."""
    if layers < 1:
        raise ValueError("at least one layer")
    kib = max(total_bytes // 1024, layers)
    base, extra = divmod(kib, layers)
    return [(base + (1 if i < extra else 0)) * 1024 for i in range(layers)]


class _RandomReader:
    """A file-like source of `size` random bytes, for tarfile.addfile."""

    def __init__(self, size):
        self.left = size

    def read(self, n=-1):
        n = self.left if n < 0 else min(n, self.left)
        self.left -= n
        return os.urandom(n)


class _LayerWriter:
    """Tar bytes in, gzip bytes out to `file`: hashes both sides (diff_id and blob digest)."""

    def __init__(self, file):
        self.file = file
        self.tar_sha = hashlib.sha256()
        self.blob_sha = hashlib.sha256()
        self.blob_bytes = 0
        # Level 1: random data does not compress at any level; wbits 31 writes the gzip wrapper.
        self.gzip = zlib.compressobj(1, zlib.DEFLATED, 31)

    def _out(self, data):
        if data:
            self.file.write(data)
            self.blob_sha.update(data)
            self.blob_bytes += len(data)

    def write(self, data):
        self.tar_sha.update(data)
        self._out(self.gzip.compress(data))
        return len(data)

    def close(self):
        self._out(self.gzip.flush())


def _write_blob(blobs, data):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(blobs, digest), "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + digest, "size": len(data)}


def _write_layer(blobs, index, content_bytes, file_max_bytes):
    tmp = os.path.join(blobs, f".layer-{index}.tmp")
    with open(tmp, "wb") as f:
        out = _LayerWriter(f)
        with tarfile.open(fileobj=out, mode="w|", format=tarfile.USTAR_FORMAT) as tar:
            d = tarfile.TarInfo(f"layer-{index}")
            d.type, d.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(d)
            left, j = content_bytes, 0
            while left > 0:
                info = tarfile.TarInfo(f"layer-{index}/file-{j}.bin")
                info.size, info.mode = min(left, file_max_bytes), 0o644
                tar.addfile(info, _RandomReader(info.size))
                left -= info.size
                j += 1
        out.close()
    digest = out.blob_sha.hexdigest()
    os.replace(tmp, os.path.join(blobs, digest))
    return {"digest": "sha256:" + digest, "size": out.blob_bytes, "diff_id": "sha256:" + out.tar_sha.hexdigest()}


def build(out_dir, total_bytes, layers=6, ref="v1", file_max_bytes=FILE_MAX_BYTES):
    """Writes the layout into `out_dir` (created); returns the summary that main prints."""
    blobs = os.path.join(out_dir, "blobs", "sha256")
    os.makedirs(blobs, exist_ok=True)
    written = [_write_layer(blobs, i, size, file_max_bytes)
               for i, size in enumerate(layer_sizes(total_bytes, layers))]
    config = _write_blob(blobs, json.dumps({
        "architecture": "amd64", "os": "linux", "config": {},
        "rootfs": {"type": "layers", "diff_ids": [w["diff_id"] for w in written]},
    }, separators=(",", ":")).encode())
    manifest = _write_blob(blobs, json.dumps({
        "schemaVersion": 2, "mediaType": MANIFEST_MEDIA_TYPE,
        "config": {"mediaType": CONFIG_MEDIA_TYPE, **config},
        "layers": [{"mediaType": LAYER_MEDIA_TYPE, "digest": w["digest"], "size": w["size"]} for w in written],
    }, separators=(",", ":")).encode())
    with open(os.path.join(out_dir, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    with open(os.path.join(out_dir, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "mediaType": INDEX_MEDIA_TYPE, "manifests": [{
            "mediaType": MANIFEST_MEDIA_TYPE, **manifest,
            "annotations": {"org.opencontainers.image.ref.name": ref}}]}, f, separators=(",", ":"))
    return {
        "manifest": manifest["digest"],
        "blob_bytes": config["size"] + sum(w["size"] for w in written),
        "config": config,
        "layers": [{"digest": w["digest"], "size": w["size"]} for w in written],
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--size", type=int, required=True, help="bytes of file content over all layers")
    p.add_argument("--layers", type=int, default=6)
    p.add_argument("--ref", default="v1")
    args = p.parse_args()
    print(json.dumps(build(args.out, args.size, args.layers, args.ref)))


if __name__ == "__main__":
    main()
