"""Downloads a repository snapshot with the official Python client, as a user would with HF_ENDPOINT set to the
proxy (the test sets HF_ENDPOINT in the environment: huggingface_hub reads it when imported).

Usage: python hf-py-snapshot.py REPO REVISION CACHE_DIR [TOKEN]; prints the snapshot directory.
"""
import sys

from huggingface_hub import snapshot_download

repo, revision, cache_dir = sys.argv[1:4]
token = sys.argv[4] if len(sys.argv) > 4 else None
print(snapshot_download(repo_id=repo, revision=revision, cache_dir=cache_dir, token=token))
