export { main, run, CLI_VERSION } from "./main.js";
export type { CliIo } from "./io.js";
