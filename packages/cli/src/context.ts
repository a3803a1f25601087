import type { CliIo } from "./io.js";

/** Shared by the command handlers of one `main()` run. */
export interface CommandContext {
  io: CliIo;
  /** Set by a handler that finished but must report failure (e.g. consume timed out empty). */
  exitCode: number;
}
