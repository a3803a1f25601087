import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Directories of the deployment files, relative to this package. */
export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
export const REPO_DIR = join(PACKAGE_DIR, "..", "..");
export const KUBERNETES_DIR = join(REPO_DIR, "deploy", "kubernetes");
export const DOCKER_DIR = join(REPO_DIR, "docker");
