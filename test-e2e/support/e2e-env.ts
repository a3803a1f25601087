/**
 * Settings shared by the global setup and the tests. testcontainers reads
 * TESTCONTAINERS_RYUK_DISABLED when it first talks to Docker: the reaper
 * container's image cannot be pulled here, and every test removes what it starts.
 */
process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";

/**
 * Tag of the image under test. The global setup builds it from docker/Dockerfile,
 * unless E2E_PREBUILT_IMAGE names an image to test as it is (a release candidate).
 */
export const PREBUILT_IMAGE = process.env.E2E_PREBUILT_IMAGE || undefined;
export const SAMSA_IMAGE = PREBUILT_IMAGE ?? "samsa:e2e";

/** In CI a missing engine or tool is a failure, elsewhere a reason to skip. */
export const IN_CI = process.env.CI !== undefined && process.env.CI !== "" && process.env.CI !== "false";

declare module "vitest" {
  export interface ProvidedContext {
    /** null when the image was built, else why the container tests cannot run. */
    dockerUnavailable: string | null;
  }
}
