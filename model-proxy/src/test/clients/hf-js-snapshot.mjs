// Downloads a repository snapshot with the official JS client, as a user would with hubUrl set to the proxy.
// Usage: node hf-js-snapshot.mjs HUB_URL REPO REVISION CACHE_DIR [TOKEN]; prints the snapshot directory.
import { snapshotDownload } from "@huggingface/hub";

const [hubUrl, repo, revision, cacheDir, token] = process.argv.slice(2);
const snapshot = await snapshotDownload({
  repo,
  revision,
  hubUrl,
  cacheDir,
  accessToken: token || undefined,
});
console.log(snapshot);
