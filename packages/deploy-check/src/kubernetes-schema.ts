import * as models from "kubernetes-models";

interface ValidatingModel {
  validate(): void;
}
type ModelClass = new (data: unknown) => ValidatingModel;

/** Group and version of an apiVersion: "apps/v1" → apps, v1; "v1" → core. */
function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf("/");
  return slash < 0 ? { group: "", version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** kubernetes-models names its group namespaces in camel case: networking.k8s.io → networkingK8sIo; core → v1. */
function modelClassFor(apiVersion: string, kind: string): ModelClass | undefined {
  const { group, version } = splitApiVersion(apiVersion);
  const root = models as unknown as Record<string, Record<string, unknown>>;
  const versions = group === "" ? { [version]: root[version] } : root[group.replace(/\.(\w)/g, (_m, c: string) => c.toUpperCase())];
  const kinds = versions?.[version] as Record<string, unknown> | undefined;
  const model = kinds?.[kind];
  return typeof model === "function" ? (model as ModelClass) : undefined;
}

/** The module and interface the TypeScript types of a kind live in, e.g. kubernetes-models/apps/v1/StatefulSet, IStatefulSet. */
export function modelTypeFor(apiVersion: string, kind: string): { module: string; typeName: string } | undefined {
  if (!modelClassFor(apiVersion, kind)) return undefined;
  return { module: `kubernetes-models/${apiVersion}/${kind}`, typeName: `I${kind}` };
}

/**
 * Problems of one manifest against the Kubernetes OpenAPI schema of its kind
 * (required fields, types, formats, enums), offline. Empty when valid.
 */
export function schemaProblems(manifest: unknown): string[] {
  if (typeof manifest !== "object" || manifest === null || Array.isArray(manifest)) return ["not a mapping"];
  const { apiVersion, kind } = manifest as { apiVersion?: unknown; kind?: unknown };
  if (typeof apiVersion !== "string" || typeof kind !== "string") return ["apiVersion and kind must be strings"];
  const Model = modelClassFor(apiVersion, kind);
  if (!Model) return [`unknown kind ${kind} in ${apiVersion}`];
  try {
    new Model(manifest).validate();
    return [];
  } catch (err) {
    return [(err as Error).message];
  }
}
