import { defineConfig } from "vitest/config";

// Tests import workspace packages by their "source" export condition, so they
// run against src/ without a build; `npm test` still runs `tsc -b` first so the
// type check and the dist/ used by spawned broker processes are current.
export default defineConfig({
  resolve: { conditions: ["source", "import", "node", "default"] },
  ssr: { resolve: { conditions: ["source", "import", "node", "default"], externalConditions: ["source"] } },
  test: {
    include: ["packages/*/test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default"],
  },
});
