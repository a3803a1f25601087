import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DOCKER_DIR } from "./repo-paths.js";

const START_NODE = join(DOCKER_DIR, "start-node.sh");
const VOTERS = "0@samsa-0.samsa-headless:9093,1@samsa-1.samsa-headless:9093,2@samsa-2.samsa-headless:9093";

let fakeBin: string;

beforeAll(() => {
  // A stand-in for node on PATH that reports what the broker would have been started with.
  fakeBin = mkdtempSync(join(tmpdir(), "samsa-start-node-"));
  writeFileSync(join(fakeBin, "node"), '#!/bin/sh\necho "roles=${SAMSA_PROCESS_ROLES:-} args=$*"\n');
  chmodSync(join(fakeBin, "node"), 0o755);
});

afterAll(() => rmSync(fakeBin, { recursive: true, force: true }));

function startNode(env: Record<string, string>): string {
  return execFileSync("/bin/sh", [START_NODE], { env: { PATH: `${fakeBin}:/usr/bin:/bin`, ...env }, encoding: "utf8", timeout: 10_000, stdio: ["ignore", "pipe", "pipe"] }).trim();
}

describe("samsa-start-node (docker/start-node.sh)", () => {
  it("voters run broker+controller, other nodes (added by scaling out) broker only", () => {
    expect(startNode({ SAMSA_NODE_ID: "0", SAMSA_CONTROLLER_QUORUM_VOTERS: VOTERS })).toBe(
      "roles=broker,controller args=--initial-old-space-size=256 --min-semi-space-size=16 /opt/samsa/packages/cli/bin/samsa.js server start",
    );
    expect(startNode({ SAMSA_NODE_ID: "2", SAMSA_CONTROLLER_QUORUM_VOTERS: VOTERS })).toMatch(/^roles=broker,controller /);
    expect(startNode({ SAMSA_NODE_ID: "3", SAMSA_CONTROLLER_QUORUM_VOTERS: VOTERS })).toMatch(/^roles=broker /);
    // 1 is a voter, 11 is not: the id must match a whole voter entry.
    expect(startNode({ SAMSA_NODE_ID: "11", SAMSA_CONTROLLER_QUORUM_VOTERS: VOTERS })).toMatch(/^roles=broker /);
  });

  it("an explicit SAMSA_PROCESS_ROLES wins, and no voters leaves the broker's default", () => {
    expect(startNode({ SAMSA_NODE_ID: "3", SAMSA_CONTROLLER_QUORUM_VOTERS: VOTERS, SAMSA_PROCESS_ROLES: "broker,controller" })).toMatch(
      /^roles=broker,controller /,
    );
    expect(startNode({})).toMatch(/^roles= /);
  });

  it("refuses voters without a node id", () => {
    expect(() => startNode({ SAMSA_CONTROLLER_QUORUM_VOTERS: VOTERS })).toThrow(/SAMSA_NODE_ID must be set/);
  });
});
