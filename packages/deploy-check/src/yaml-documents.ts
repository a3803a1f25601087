import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

export interface YamlDocument {
  /** Where it came from, for messages: "file.yaml" or "file.yaml#2" for the second document. */
  label: string;
  value: unknown;
}

export class YamlSyntaxError extends Error {
  readonly code = "DEPLOY_CHECK_YAML_SYNTAX";
  constructor(label: string, detail: string) {
    super(`${label}: ${detail}`);
    this.name = "YamlSyntaxError";
  }
}

/**
 * Every non-empty document of a YAML file. Merge keys (`<<: *anchor`) are
 * resolved as Docker Compose does; any syntax error or warning fails.
 */
export function loadYamlDocuments(path: string, label = path): YamlDocument[] {
  const docs = parseAllDocuments(readFileSync(path, "utf8"), { merge: true, prettyErrors: true });
  const list = Array.isArray(docs) ? docs : [docs];
  const result: YamlDocument[] = [];
  list.forEach((doc, i) => {
    const problems = [...doc.errors, ...doc.warnings];
    if (problems.length > 0) throw new YamlSyntaxError(`${label}#${i + 1}`, problems.map((p) => p.message).join("; "));
    const value: unknown = doc.toJS({ maxAliasCount: 1000 });
    if (value !== null && value !== undefined) result.push({ label: list.length > 1 ? `${label}#${i + 1}` : label, value });
  });
  return result;
}

/** The single document of a YAML file (compose files, Prometheus configs). */
export function loadYamlDocument(path: string, label = path): unknown {
  const docs = loadYamlDocuments(path, label);
  if (docs.length !== 1) throw new YamlSyntaxError(label, `expected one YAML document, found ${docs.length}`);
  return docs[0]!.value;
}
