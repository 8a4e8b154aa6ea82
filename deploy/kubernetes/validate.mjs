// Validates the manifests in this folder against the Kubernetes (and Prometheus Operator)
// schemas of the kubernetes-models packages: node validate.mjs FILE...
// Exits 1 naming the file, the document and what is wrong.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { DaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { PodMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor";

const kinds = { "apps/v1/DaemonSet": DaemonSet, "apps/v1/Deployment": Deployment,
  "v1/ServiceAccount": ServiceAccount,
  "monitoring.coreos.com/v1/PodMonitor": PodMonitor };
let failed = false;
for (const file of process.argv.slice(2)) {
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    const obj = doc.toJS();
    const model = kinds[`${obj.apiVersion}/${obj.kind}`];
    if (!model) {
      console.error(`${file}: no schema for ${obj.apiVersion} ${obj.kind}`);
      failed = true;
      continue;
    }
    try {
      new model(obj).validate();
      console.log(`${file}: ${obj.kind} ${obj.metadata.name} is valid`);
    } catch (e) {
      console.error(`${file}: ${obj.kind} ${obj.metadata?.name}: ${e.message}`);
      failed = true;
    }
  }
}
process.exit(failed ? 1 : 0);
