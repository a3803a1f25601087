import { ApiKey, ErrorCode } from "@samsa/protocol";
import { defineHandler } from "./handler.js";

export const apiVersionsHandler = defineHandler({
  apiKey: ApiKey.ApiVersions,
  name: "ApiVersions",
  minVersion: 0,
  maxVersion: 4,
  handle(ctx) {
    return { errorCode: ErrorCode.NONE, apiKeys: ctx.broker.registry.apiVersions(), throttleTimeMs: 0 };
  },
});
