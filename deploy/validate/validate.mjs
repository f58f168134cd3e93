// Validates Kubernetes manifests against the API's OpenAPI schemas (the kubernetes-models package, Kubernetes 1.x
// schemas compiled for ajv). Usage: node validate.mjs FILE.yaml...; prints one line per document, exits 1 when any
// document is invalid or of a kind it has no schema for. Run by cli's DeployManifestsTest after run-tests' npm ci.
import fs from 'node:fs';
import yaml from 'js-yaml';
import { Pod, Namespace, Service } from 'kubernetes-models/v1';
import { DaemonSet, Deployment } from 'kubernetes-models/apps/v1';
const kinds = { Pod, Namespace, Service, DaemonSet, Deployment };
let bad = 0;
for (const file of process.argv.slice(2)) {
  for (const doc of yaml.loadAll(fs.readFileSync(file, 'utf8'))) {
    if (!doc) continue;
    const K = kinds[doc.kind];
    if (!K) { console.log(`${file}: ${doc.kind}: no schema here`); bad++; continue; }
    try { new K(doc).validate(); console.log(`${file}: ${doc.kind}/${doc.metadata.name}: valid`); }
    catch (e) { bad++; console.log(`${file}: ${doc.kind}/${doc.metadata?.name}: INVALID ${e.message}`); }
  }
}
process.exit(bad ? 1 : 0);
