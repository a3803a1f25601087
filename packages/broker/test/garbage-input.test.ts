import fc from "fast-check";
import { ApiKey } from "@samsa/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBroker, stopTestBroker, type RunningBroker } from "./helpers/broker-fixture.js";
import { TestClient } from "./helpers/test-client.js";

let b: RunningBroker;
beforeAll(async () => {
  b = await startTestBroker(["auto.create.topics.enable=false"]);
});
afterAll(async () => {
  await stopTestBroker(b);
});

const SERVED = [
  [ApiKey.Produce, 3, 11],
  [ApiKey.Fetch, 4, 12],
  [ApiKey.ListOffsets, 1, 7],
  [ApiKey.Metadata, 0, 12],
  [ApiKey.CreateTopics, 0, 7],
  [ApiKey.DescribeConfigs, 0, 4],
  [ApiKey.IncrementalAlterConfigs, 0, 1],
] as const;

describe("random request bodies", () => {
  it("never take the broker down: each is answered or its connection closed", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...SERVED),
        fc.nat(20),
        fc.uint8Array({ minLength: 0, maxLength: 200 }),
        async ([apiKey, min, max], versionPick, body) => {
          const version = min + (versionPick % (max - min + 1));
          const client = await TestClient.connect(b.broker.port);
          try {
            const frame = Buffer.alloc(4 + 10 + body.length);
            frame.writeInt32BE(10 + body.length, 0);
            frame.writeInt16BE(apiKey, 4);
            frame.writeInt16BE(version, 6);
            frame.writeInt32BE(4242, 8);
            frame.writeInt16BE(-1, 12);
            Buffer.from(body).copy(frame, 14);
            const answered = client.sendRaw(frame, 4242).then(() => "answered" as const);
            const closed = client.waitClosed(3000).then((c) => (c ? ("closed" as const) : ("neither" as const)));
            expect(["answered", "closed"]).toContain(await Promise.race([answered, closed]));
          } finally {
            client.close();
          }
        },
      ),
      { numRuns: 60 },
    );
    const healthy = await TestClient.connect(b.broker.port);
    expect((await healthy.send(ApiKey.ApiVersions, 3, { clientSoftwareName: "t", clientSoftwareVersion: "1" })).errorCode).toBe(0);
    const meta = await healthy.send(ApiKey.Metadata, 1, { topics: null });
    // Random CreateTopics bodies may create topics, but nothing else changes state in a way that breaks serving.
    expect(Array.isArray(meta.topics)).toBe(true);
    healthy.close();
  });
});
