import { createRequire } from "node:module"; const require = createRequire(import.meta.url);
import { Consumer, Producer, stringDeserializers, stringSerializers } from "@platformatic/kafka";
import { it } from "vitest";
import { startGroupBroker } from "/work/main/packages/broker/test/groups/group-fixture.js";
import { stopTestBroker } from "/work/main/packages/broker/test/helpers/broker-fixture.js";
it("debug", async () => {
  const running = await startGroupBroker();
  const bootstrap = `127.0.0.1:${running.broker.port}`;
  const o = { bootstrapBrokers: [bootstrap], timeout: 10_000, retries: 2, retryDelay: 250 };
  const producer = new Producer({ clientId: "p", ...o, serializers: stringSerializers, autocreateTopics: true });
  await producer.send({ messages: [{ topic: "dbg", value: "x" }] });
  await producer.close();
  const consumer = new Consumer({ clientId: "c", groupId: "gdbg", ...o, maxWaitTime: 200, deserializers: stringDeserializers });
  try {
    const stream = await consumer.consume({ topics: ["dbg"], mode: "committed", fallbackMode: "earliest", autocommit: false, sessionTimeout: 6_000, heartbeatInterval: 500 });
    await new Promise<void>((resolve, reject) => { stream.on("data", () => resolve()); stream.on("error", reject); });
    await stream.close();
  } catch (err: any) {
    console.log("ERR", require("node:util").inspect(err, { depth: 9 }).slice(0, 3000));
    console.log(err.errors?.[0]);
  }
  await consumer.close(true);
  await stopTestBroker(running);
});
