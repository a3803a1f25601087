import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const schemasDir = join(packageDir, "../../../shared/kafka-protocol");
const hasSchemas = existsSync(join(schemasDir, "messages"));

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

// The only conditional test: a clone without shared/kafka-protocol cannot regenerate.
describe.skipIf(!hasSchemas)(`generated code is up to date with ${schemasDir}`, () => {
  let tmp = "";
  afterAll(() => {
    if (tmp !== "") rmSync(tmp, { recursive: true, force: true });
  });

  it("regenerating gives byte-identical files", async () => {
    tmp = mkdtempSync(join(tmpdir(), "samsa-generate-"));
    const generatorUrl = new URL("../scripts/generate.mjs", import.meta.url).href;
    const { generate } = (await import(/* @vite-ignore */ generatorUrl)) as {
      generate: (schemas: string, out: string, fixtures: string) => string[];
    };
    const outDir = join(tmp, "generated");
    const fixturesDir = join(tmp, "fixtures");
    generate(schemasDir, outDir, fixturesDir);
    const committedDir = join(packageDir, "src/generated");
    const fresh = listFiles(outDir).map((p) => relative(outDir, p)).sort();
    const committed = listFiles(committedDir).map((p) => relative(committedDir, p)).sort();
    expect(committed).toEqual(fresh);
    for (const rel of fresh) {
      const same = readFileSync(join(outDir, rel)).equals(readFileSync(join(committedDir, rel)));
      expect(same, `src/generated/${rel} differs; run npm run generate`).toBe(true);
    }
    const shapes = "message-shapes.json";
    expect(readFileSync(join(fixturesDir, shapes)).equals(readFileSync(join(packageDir, "test/fixtures", shapes)))).toBe(true);
  });
});

if (!hasSchemas) {
  console.warn(`skipping generated-code check: ${schemasDir} is absent`);
}
