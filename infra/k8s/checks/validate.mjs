// Validates every Gateway API and Envoy Gateway object in the given rendered manifests against
// the published schemas (@kubernetes-models/gateway-api, @kubernetes-models/envoy-gateway).
// Core Kubernetes objects are left to kubernetes-validate. Prints one line per object checked;
// exits 1 if any object is invalid or of a kind the schemas do not know.
//
// The published schemas accept unknown fields, so a misspelt field would pass them; every field
// name used outside metadata must also be one that the packages' type declarations name.
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

const PACKAGES = ["gateway-api", "envoy-gateway"].map((name) =>
  join(dirname(fileURLToPath(import.meta.url)), "node_modules", "@kubernetes-models", name),
);

function declaredFields() {
  const fields = new Set();
  const walk = (folder) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".d.ts")) {
        for (const match of readFileSync(path, "utf8").matchAll(/^\s+"([^"]+)"\??:/gm)) {
          fields.add(match[1]);
        }
      }
    }
  };
  PACKAGES.forEach(walk);
  return fields;
}

const FIELDS = declaredFields();

function undeclared(value, path = "") {
  if (Array.isArray(value)) return value.flatMap((item, i) => undeclared(item, `${path}/${i}`));
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, item]) => {
    if (path === "" && ["apiVersion", "kind", "metadata", "status"].includes(key)) return [];
    const here = `${path}/${key}`;
    return [...(FIELDS.has(key) ? [] : [here]), ...undeclared(item, here)];
  });
}

const MODULES = {
  "gateway.networking.k8s.io": (version) =>
    import(`@kubernetes-models/gateway-api/gateway.networking.k8s.io/${version}`),
  "gateway.envoyproxy.io": (version) =>
    import(`@kubernetes-models/envoy-gateway/gateway.envoyproxy.io/${version}`),
};

let failures = 0;
let checked = 0;
for (const file of process.argv.slice(2)) {
  for (const document of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (document.errors.length > 0) {
      console.error(`${file}: ${document.errors[0].message}`);
      failures += 1;
      continue;
    }
    const object = document.toJS();
    if (!object || typeof object.apiVersion !== "string") continue;
    const [group, version] = object.apiVersion.split("/");
    const load = MODULES[group];
    if (!load) continue;
    const name = `${object.kind}/${object.metadata?.name} (${object.apiVersion})`;
    let Model;
    try {
      Model = (await load(version))[object.kind];
    } catch {
      Model = undefined;
    }
    if (typeof Model !== "function") {
      console.error(`${file}: ${name}: no published schema for this kind`);
      failures += 1;
      continue;
    }
    try {
      new Model(object).validate();
      const unknown = undeclared(object);
      if (unknown.length > 0) throw new Error(`fields no schema declares: ${unknown.join(", ")}`);
      checked += 1;
      console.log(`valid ${name}`);
    } catch (error) {
      console.error(`${file}: ${name}: ${error.message}`);
      failures += 1;
    }
  }
}
console.log(`${checked} valid, ${failures} invalid`);
process.exit(failures > 0 || checked === 0 ? 1 : 0);
