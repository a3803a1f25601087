import { defineConfig } from "vitest/config";

// Container end-to-end tests: `npm run test:e2e` (and .ci/run). They build the
// image from docker/Dockerfile once (global setup) and run it with
// testcontainers. Without a Docker engine they skip with a message, unless CI
// is set: then a missing engine fails the run.
// The reaper container's image cannot be pulled here; every test removes what
// it starts. Set before the global setup and the forked workers read it.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";

export default defineConfig({
  resolve: { conditions: ["source", "import", "node", "default"] },
  ssr: { resolve: { conditions: ["source", "import", "node", "default"], externalConditions: ["source"] } },
  test: {
    include: ["test-e2e/**/*.test.ts"],
    globalSetup: ["test-e2e/support/global-setup.ts"],
    pool: "forks",
    // Two cores shared with other work: one container test at a time.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    reporters: ["default"],
  },
});
