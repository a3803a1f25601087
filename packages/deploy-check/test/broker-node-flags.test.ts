import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BROKER_NODE_FLAGS, repoRoot } from "@samsa/testkit";
import { describe, expect, it } from "vitest";

/** Every way a broker is launched passes the same V8 heap flags (see packages/testkit/src/broker-node-flags.ts). */
describe("broker node flags", () => {
  const flags = BROKER_NODE_FLAGS.join(" ");
  const read = (path: string) => readFileSync(join(repoRoot, path), "utf8");

  it("are the same in npm start, the samsa bin, the container entrypoint and start-node.sh", () => {
    const pkg = JSON.parse(read("package.json")) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toContain(`node ${flags} packages/cli/dist/main.js server start`);
    expect(read("packages/cli/bin/samsa.js").split("\n")[0]).toBe(`#!/usr/bin/env -S node ${flags}`);
    expect(read("docker/Dockerfile")).toContain(`ENTRYPOINT ["node", ${BROKER_NODE_FLAGS.map((f) => JSON.stringify(f)).join(", ")}, "/opt/samsa/packages/cli/bin/samsa.js"]`);
    expect(read("docker/start-node.sh")).toContain(`exec node ${flags} /opt/samsa/packages/cli/bin/samsa.js server start`);
  });
});
