import { IN_CI, PREBUILT_IMAGE, SAMSA_IMAGE } from "./e2e-env.js";
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { GenericContainer, getContainerRuntimeClient } from "testcontainers";
import type { TestProject } from "vitest/node";

const REPO_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BASE_IMAGE_SCRIPT_TIMEOUT_MS = 300_000;

async function dockerEngineProblem(): Promise<string | null> {
  try {
    await getContainerRuntimeClient();
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Builds the image once for every test file; they only start containers from it. */
export default async function setup(project: TestProject): Promise<void> {
  const problem = await dockerEngineProblem();
  if (problem !== null) {
    if (IN_CI) throw new Error(`CI is set but no Docker engine is reachable (run scripts/docker-engine.sh): ${problem}`);
    const message = `no Docker engine reachable (${problem}); skipping the container tests. Run scripts/docker-engine.sh to install and start one.`;
    process.stderr.write(`\ntest-e2e: ${message}\n\n`);
    project.provide("dockerUnavailable", message);
    return;
  }
  if (PREBUILT_IMAGE !== undefined) {
    process.stderr.write(`test-e2e: testing the prebuilt image ${PREBUILT_IMAGE} (E2E_PREBUILT_IMAGE); not building\n`);
    project.provide("dockerUnavailable", null);
    return;
  }
  // FROM node:20-bookworm-slim must resolve: pulled, or built locally where no registry is reachable.
  await promisify(execFile)(join(REPO_DIR, "scripts", "docker-base-image.sh"), [], { timeout: BASE_IMAGE_SCRIPT_TIMEOUT_MS });
  const startedMs = Date.now();
  process.stderr.write(`test-e2e: building ${SAMSA_IMAGE} from docker/Dockerfile\n`);
  await GenericContainer.fromDockerfile(REPO_DIR, "docker/Dockerfile").build(SAMSA_IMAGE, { deleteOnExit: false });
  process.stderr.write(`test-e2e: built ${SAMSA_IMAGE} in ${Math.round((Date.now() - startedMs) / 1000)} s\n`);
  project.provide("dockerUnavailable", null);
}
