// Install step: builds the CRC-32C addon with node-gyp against the running
// Node's own headers when they are installed (no header download), and falls
// back to the portable implementation, with a warning, when it cannot build
// (no compiler, not x64). Never fails the install.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const warn = (why) => console.warn(`@samsa/crc32c: native CRC-32C not built (${why}); the portable @node-rs/crc32 is used and appends are slower`);

if (process.arch !== "x64") {
  warn(`${process.arch} is not x64`);
  process.exit(0);
}
let nodeGyp = process.env.npm_config_node_gyp;
if (!nodeGyp || !existsSync(nodeGyp)) {
  try {
    nodeGyp = createRequire(import.meta.url).resolve("node-gyp/bin/node-gyp.js");
  } catch {
    // npm ships node-gyp beside itself.
    nodeGyp = join(dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js");
  }
}
const args = [nodeGyp, "rebuild"];
const prefix = resolve(dirname(process.execPath), "..");
if (!process.env.npm_config_nodedir && existsSync(join(prefix, "include", "node", "node_api.h"))) args.push(`--nodedir=${prefix}`);
const result = spawnSync(process.execPath, args, { cwd: packageDir, stdio: "inherit" });
if (result.status !== 0) warn(result.error?.message ?? `node-gyp exited with ${result.status}`);
