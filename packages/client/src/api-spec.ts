import { apiSchema, type Reader, type RequestByApiKey, type ResponseByApiKey, type Writer } from "@samsa/protocol";

/**
 * One Kafka API as the client speaks it: the version range whose semantics
 * the client implements (a subset of what the codecs can encode) and the
 * generated codecs. The connection picks the highest version both the client
 * and the broker support.
 */
export interface ApiSpec<Req, Res> {
  readonly name: string;
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** First flexible version (compact encodings, tagged fields, header v2); Infinity if none. */
  readonly firstFlexibleVersion: number;
  encode(w: Writer, msg: Req, version: number): void;
  decode(r: Reader, version: number): Res;
}

export interface VersionRange {
  min: number;
  max: number;
}

/** The client's view of API `apiKey`, limited to versions `minVersion..maxVersion`. */
export function clientApi<K extends keyof RequestByApiKey & keyof ResponseByApiKey>(
  apiKey: K,
  minVersion: number,
  maxVersion: number,
): ApiSpec<RequestByApiKey[K], ResponseByApiKey[K]> {
  const schema = apiSchema(apiKey);
  if (!schema) throw new Error(`no generated schema for api key ${apiKey}`);
  if (minVersion < schema.validVersions.min || maxVersion > schema.validVersions.max || minVersion > maxVersion) {
    throw new Error(`${schema.name}: client range v${minVersion}-${maxVersion} outside schema v${schema.validVersions.min}-${schema.validVersions.max}`);
  }
  return {
    name: schema.name,
    apiKey,
    minVersion,
    maxVersion,
    firstFlexibleVersion: schema.flexibleMinVersion ?? Infinity,
    encode: schema.encodeRequest,
    decode: schema.decodeResponse,
  };
}
