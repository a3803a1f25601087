export * from "./crc32c.js";
export * from "./record-batch/batch-header.js";
