#!/usr/bin/env node
// Container health probe that asks the broker itself over the Kafka protocol,
// so "healthy" means "answers Kafka requests", not merely "a port is open".
//
//   samsa-probe live    ApiVersions answers without error (Docker HEALTHCHECK,
//                       Kubernetes liveness).
//   samsa-probe ready   live, and Metadata lists this broker's node id among the
//                       cluster's brokers: the broker is registered and has
//                       replayed the metadata log far enough to see itself
//                       (Kubernetes readiness).
//
// Options: --host H (default: the listener's host, or 127.0.0.1 for a wildcard),
// --port P (default: the first non-controller listener in SAMSA_LISTENERS, else
// 9092), --node-id N (default: SAMSA_NODE_ID, else SAMSA_BROKER_ID),
// --timeout-ms T (default 4000).
//
// Standalone on purpose (no imports outside node:): it must keep working when
// the broker's own modules are what is broken. Exit 0 healthy, 1 unhealthy,
// 2 usage error; one line on stdout/stderr says why.
import { connect } from "node:net";

const API_VERSIONS = 18;
const METADATA = 3;
const CLIENT_ID = "samsa-probe";
const DEFAULT_PORT = 9092;
const DEFAULT_TIMEOUT_MS = 4000;
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

class UsageError extends Error {}

function parseArgs(argv, env) {
  const [mode, ...rest] = argv;
  if (mode !== "live" && mode !== "ready") throw new UsageError("usage: samsa-probe live|ready [--host H] [--port P] [--node-id N] [--timeout-ms T]");
  const opts = {};
  for (let i = 0; i < rest.length; i += 2) {
    const name = rest[i];
    const value = rest[i + 1];
    if (!["--host", "--port", "--node-id", "--timeout-ms"].includes(name) || value === undefined) {
      throw new UsageError(`unknown or incomplete option ${name}`);
    }
    opts[name.slice(2)] = value;
  }
  const listener = firstBrokerListener(env);
  const host = opts.host ?? (listener && !["", "0.0.0.0", "::"].includes(listener.host) ? listener.host : "127.0.0.1");
  const port = intOption("port", opts.port ?? listener?.port ?? DEFAULT_PORT, 1, 65535);
  const timeoutMs = intOption("timeout-ms", opts["timeout-ms"] ?? DEFAULT_TIMEOUT_MS, 1, 600_000);
  const nodeIdText = opts["node-id"] ?? env.SAMSA_NODE_ID ?? env.SAMSA_BROKER_ID;
  if (mode === "ready" && nodeIdText === undefined) {
    throw new UsageError("ready needs the node id: --node-id N or SAMSA_NODE_ID");
  }
  const nodeId = nodeIdText === undefined ? undefined : intOption("node-id", nodeIdText, 0, 2 ** 31 - 1);
  return { mode, host, port, timeoutMs, nodeId };
}

function intOption(name, text, min, max) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer in [${min}, ${max}], got '${text}'`);
  return n;
}

/** The first listener in SAMSA_LISTENERS that is not a controller listener. */
function firstBrokerListener(env) {
  if (!env.SAMSA_LISTENERS) return undefined;
  const controllerNames = new Set((env.SAMSA_CONTROLLER_LISTENER_NAMES ?? "CONTROLLER").split(",").map((n) => n.trim().toUpperCase()));
  for (const entry of env.SAMSA_LISTENERS.split(",")) {
    const m = /^\s*([A-Za-z0-9_.-]+):\/\/(\[[^\]]*\]|[^:/]*):(\d+)\s*$/.exec(entry);
    if (m && !controllerNames.has(m[1].toUpperCase())) return { host: m[2].replace(/^\[|\]$/g, ""), port: Number(m[3]) };
  }
  return undefined;
}

/** Request header v1 (api key, version, correlation id, client id) + body, size-prefixed. */
function encodeRequest(apiKey, apiVersion, correlationId, body) {
  const clientId = Buffer.from(CLIENT_ID, "utf8");
  const header = Buffer.alloc(10 + clientId.length);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(apiVersion, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(clientId.length, 8);
  clientId.copy(header, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(header.length + body.length, 0);
  return Buffer.concat([size, header, body]);
}

/** Sends requests one after another on one connection; resolves with each response body. */
async function exchange(host, port, timeoutMs, requests) {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const responses = [];
    let pending = Buffer.alloc(0);
    const fail = (err) => {
      socket.destroy();
      reject(err);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`)));
    socket.on("error", (err) => fail(new Error(`${host}:${port}: ${err.message}`)));
    socket.on("connect", () => socket.write(requests[0].bytes));
    socket.on("data", (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4) {
        const size = pending.readInt32BE(0);
        if (size < 4 || size > MAX_RESPONSE_BYTES) return fail(new Error(`implausible response size ${size}`));
        if (pending.length < 4 + size) return;
        const frame = pending.subarray(4, 4 + size);
        pending = pending.subarray(4 + size);
        const expected = requests[responses.length].correlationId;
        if (frame.readInt32BE(0) !== expected) return fail(new Error(`correlation id ${frame.readInt32BE(0)}, expected ${expected}`));
        responses.push(frame.subarray(4));
        if (responses.length === requests.length) {
          socket.end();
          return resolve(responses);
        }
        socket.write(requests[responses.length].bytes);
      }
    });
    socket.on("end", () => {
      if (responses.length < requests.length) fail(new Error(`${host}:${port} closed the connection before answering`));
    });
  });
}

/** ApiVersions v0 response: error_code int16, [api_key int16, min int16, max int16]. */
function checkApiVersions(body) {
  const errorCode = body.readInt16BE(0);
  if (errorCode !== 0) throw new Error(`ApiVersions answered error code ${errorCode}`);
  const count = body.readInt32BE(2);
  const keys = new Set();
  for (let i = 0; i < count; i++) keys.add(body.readInt16BE(6 + i * 6));
  if (!keys.has(METADATA)) throw new Error("ApiVersions does not offer Metadata");
  return count;
}

/** Metadata v1 response, leading part: [node_id int32, host string, port int32, rack nullable string], controller_id. */
function brokerIdsOf(body) {
  let at = 0;
  const count = body.readInt32BE(at);
  at += 4;
  const ids = [];
  for (let i = 0; i < count; i++) {
    ids.push(body.readInt32BE(at));
    at += 4;
    at += 2 + body.readInt16BE(at); // host
    at += 4; // port
    const rackLength = body.readInt16BE(at);
    at += 2 + Math.max(rackLength, 0);
  }
  return ids;
}

async function probe({ mode, host, port, timeoutMs, nodeId }) {
  const requests = [{ correlationId: 1, bytes: encodeRequest(API_VERSIONS, 0, 1, Buffer.alloc(0)) }];
  if (mode === "ready") {
    const noTopics = Buffer.alloc(4); // empty topic array: brokers only
    requests.push({ correlationId: 2, bytes: encodeRequest(METADATA, 1, 2, noTopics) });
  }
  const [apiVersions, metadata] = await exchange(host, port, timeoutMs, requests);
  const apiCount = checkApiVersions(apiVersions);
  if (mode === "live") return `live: ${host}:${port} answers ApiVersions (${apiCount} APIs)`;
  const ids = brokerIdsOf(metadata);
  if (!ids.includes(nodeId)) throw new Error(`not ready: node ${nodeId} is not among the registered brokers [${ids.join(", ")}]`);
  return `ready: node ${nodeId} is registered (brokers [${ids.join(", ")}])`;
}

try {
  const options = parseArgs(process.argv.slice(2), process.env);
  process.stdout.write((await probe(options)) + "\n");
} catch (err) {
  process.stderr.write(`samsa-probe: ${err.message}\n`);
  process.exitCode = err instanceof UsageError ? 2 : 1;
}
