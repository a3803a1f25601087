export * from "./types.js";
export * from "./messages.js";
export * from "./log.js";
export * from "./memory-log.js";
export * from "./config.js";
export * from "./core.js";
export * from "./assert.js";
