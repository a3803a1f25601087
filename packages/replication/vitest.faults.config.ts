import { defineConfig } from "vitest/config";

// The longer fault runs (real broker processes, several session timeouts each):
// `npm run test:faults -w packages/replication` after `npx tsc -b`.
export default defineConfig({
  resolve: { conditions: ["source", "import", "node", "default"] },
  ssr: { resolve: { conditions: ["source", "import", "node", "default"], externalConditions: ["source"] } },
  test: {
    include: ["fault-test/**/*.fault.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 60_000,
  },
});
