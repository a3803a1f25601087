import { ApiKey, ErrorCode } from "@samsa/protocol";
import { defineHandler } from "./handler.js";

/** No authorizer is configured, so ACLs cannot be described (as Kafka without authorizer.class.name). */
export const describeAclsHandler = defineHandler({
  apiKey: ApiKey.DescribeAcls,
  name: "DescribeAcls",
  minVersion: 0,
  maxVersion: 3,
  handle() {
    return { throttleTimeMs: 0, errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: "No Authorizer is configured.", resources: [] };
  },
});
