import { Reader, Writer } from "@samsa/protocol";
import type { ApiSpec, VersionRange } from "./api-spec.js";
import { Connection, type ConnectionOptions } from "./connection.js";
import { BrokerError, UnsupportedVersionError } from "./errors.js";
import { apiVersionsApi } from "./apis.js";

const UNSUPPORTED_VERSION = 35;

export interface CallOptions {
  timeoutMs?: number;
  /** Forces a version (tests replaying exact bytes); must be in both ranges. */
  version?: number;
}

/**
 * A connection after ApiVersions negotiation: every call is encoded at the
 * highest version both sides implement.
 */
export class BrokerConnection {
  private constructor(
    readonly connection: Connection,
    /** The broker's supported versions by api key. */
    readonly brokerVersions: ReadonlyMap<number, VersionRange>,
  ) {}

  static async open(options: ConnectionOptions): Promise<BrokerConnection> {
    const connection = await Connection.connect(options);
    try {
      const versions = await negotiate(connection);
      return new BrokerConnection(connection, versions);
    } catch (err) {
      await connection.close();
      throw err;
    }
  }

  get address(): string {
    return this.connection.address;
  }

  get isClosed(): boolean {
    return this.connection.isClosed;
  }

  /** The version a call of `spec` will use; throws if the ranges do not overlap. */
  versionFor(spec: ApiSpec<unknown, unknown>): number {
    const broker = this.brokerVersions.get(spec.apiKey);
    if (!broker) throw new UnsupportedVersionError(spec.apiKey, `${spec.name} is not supported by broker ${this.address}`);
    const version = Math.min(spec.maxVersion, broker.max);
    if (version < Math.max(spec.minVersion, broker.min)) {
      throw new UnsupportedVersionError(
        spec.apiKey,
        `${spec.name}: client supports v${spec.minVersion}-${spec.maxVersion}, broker ${this.address} v${broker.min}-${broker.max}`,
      );
    }
    return version;
  }

  async call<Req, Res>(spec: ApiSpec<Req, Res>, msg: Req, options: CallOptions = {}): Promise<Res> {
    const version = options.version ?? this.versionFor(spec);
    return sendAt(this.connection, spec, msg, version, options) as Promise<Res>;
  }

  /** For requests the broker does not answer (produce with acks=0): resolves once written. */
  async callWithoutResponse<Req>(spec: ApiSpec<Req, unknown>, msg: Req, options: { version?: number } = {}): Promise<void> {
    const version = options.version ?? this.versionFor(spec);
    await sendAt(this.connection, spec, msg, version, { expectResponse: false });
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}

function sendAt<Req, Res>(
  connection: Connection,
  spec: ApiSpec<Req, Res>,
  msg: Req,
  version: number,
  options: CallOptions & { expectResponse?: boolean },
): Promise<Res | undefined> {
  const w = new Writer();
  spec.encode(w, msg, version);
  return connection.send({
    apiKey: spec.apiKey,
    apiVersion: version,
    flexible: version >= spec.firstFlexibleVersion,
    body: w.toChunks(),
    expectResponse: options.expectResponse,
    timeoutMs: options.timeoutMs,
    decode: (body) => (options.expectResponse === false ? undefined : spec.decode(new Reader(body), version)),
  });
}

/**
 * ApiVersions at the client's highest version. A broker that does not know
 * that version answers UNSUPPORTED_VERSION in v0 layout with its own range,
 * so the error answer is read as v0 and the request retried at the broker's max.
 */
async function negotiate(connection: Connection): Promise<Map<number, VersionRange>> {
  let version = apiVersionsApi.maxVersion;
  for (let attempt = 0; attempt < 2; attempt++) {
    const answer = await connection.send({
      apiKey: apiVersionsApi.apiKey,
      apiVersion: version,
      flexible: version >= apiVersionsApi.firstFlexibleVersion,
      body: encodeApiVersionsRequest(version),
      decode: (body) => decodeApiVersionsAnswer(body, version),
    });
    if (answer.errorCode === UNSUPPORTED_VERSION) {
      const own = answer.apiKeys.find((k) => k.apiKey === apiVersionsApi.apiKey);
      const next = Math.min(apiVersionsApi.maxVersion, own?.maxVersion ?? 0);
      if (next >= version) break;
      version = next;
      continue;
    }
    if (answer.errorCode !== 0) throw BrokerError.fromCode(answer.errorCode, `ApiVersions from ${connection.address}`);
    return new Map(answer.apiKeys.map((k) => [k.apiKey, { min: k.minVersion, max: k.maxVersion }]));
  }
  throw new UnsupportedVersionError(apiVersionsApi.apiKey, `no common ApiVersions version with ${connection.address}`);
}

function encodeApiVersionsRequest(version: number): Buffer[] {
  const w = new Writer();
  apiVersionsApi.encode(w, { clientSoftwareName: "samsa-client", clientSoftwareVersion: "0.1.0" }, version);
  return w.toChunks();
}

function decodeApiVersionsAnswer(body: Buffer, version: number) {
  // An UNSUPPORTED_VERSION answer is always in v0 layout, whatever was asked.
  const errorCode = body.length >= 2 ? body.readInt16BE(0) : 0;
  return apiVersionsApi.decode(new Reader(body), errorCode === UNSUPPORTED_VERSION ? 0 : version);
}
