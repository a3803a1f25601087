import { dirname, join } from "node:path";
import ts from "typescript";
import { modelTypeFor } from "./kubernetes-schema.js";

export interface LabelledManifest {
  label: string;
  value: unknown;
}

/**
 * Fields the Kubernetes API does not know (a misspelt `readinesProbe` is
 * silently dropped by a lenient API server, and the JSON schemas allow extra
 * fields). The manifests are type-checked as object literals against the
 * kubernetes-models TypeScript interfaces, whose excess-property check finds
 * unknown fields at any depth. `resolveFrom` is a directory whose
 * node_modules holds kubernetes-models. Empty when every field is known.
 */
export function unknownFieldProblems(manifests: readonly LabelledManifest[], resolveFrom: string): string[] {
  const problems: string[] = [];
  const lines: string[] = [];
  const lineOwners: string[] = [];
  const push = (text: string, owner: string) => {
    for (const line of text.split("\n")) {
      lines.push(line);
      lineOwners.push(owner);
    }
  };
  manifests.forEach((m, i) => {
    const { apiVersion, kind } = (m.value ?? {}) as { apiVersion?: string; kind?: string };
    const type = typeof apiVersion === "string" && typeof kind === "string" ? modelTypeFor(apiVersion, kind) : undefined;
    if (!type) {
      problems.push(`${m.label}: no TypeScript model for ${String(kind)} in ${String(apiVersion)}`);
      return;
    }
    push(`import type { ${type.typeName} as T${i} } from ${JSON.stringify(type.module)};`, m.label);
    push(`export const manifest${i}: T${i} = ${JSON.stringify(m.value, null, 2)};`, m.label);
  });

  const fileName = join(resolveFrom, "__deploy_check_manifests__.ts");
  const source = lines.join("\n");
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const realGetSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, languageVersion, ...rest) =>
    name === fileName ? ts.createSourceFile(name, source, languageVersion, true) : realGetSourceFile(name, languageVersion, ...rest);
  const realFileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fileName || realFileExists(name);
  host.getCurrentDirectory = () => dirname(fileName);
  const program = ts.createProgram([fileName], options, host);
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    if (d.file?.fileName === fileName && d.start !== undefined) {
      const { line } = d.file.getLineAndCharacterOfPosition(d.start);
      problems.push(`${lineOwners[line] ?? "?"}: ${message}`);
    } else {
      problems.push(message);
    }
  }
  return problems;
}
