import { statfs } from "node:fs/promises";
import { resolve } from "node:path";
import { ApiKey, ErrorCode, type DescribeLogDirsResponseDescribeLogDirsResult } from "@samsa/protocol";
import type { Partition } from "../partitions/partition-manager.js";
import { defineHandler } from "./handler.js";

export const describeLogDirsHandler = defineHandler({
  apiKey: ApiKey.DescribeLogDirs,
  name: "DescribeLogDirs",
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, request) {
    const broker = ctx.broker;
    let wanted: Partition[];
    if (request.topics === null) {
      wanted = [...broker.partitions.all()];
    } else {
      wanted = [];
      for (const t of request.topics) {
        for (const p of t.partitions) {
          const partition = broker.partitions.get(t.topic, p);
          if (partition) wanted.push(partition);
        }
      }
    }
    const results: DescribeLogDirsResponseDescribeLogDirsResult[] = [];
    for (const dir of broker.config.logDirs) {
      const byTopic = new Map<string, Array<{ partitionIndex: number; partitionSize: number; offsetLag: number; isFutureKey: boolean }>>();
      const absoluteDir = resolve(dir);
      for (const p of wanted) {
        if (resolve(p.logDir) !== absoluteDir) continue;
        let list = byTopic.get(p.topic);
        if (!list) byTopic.set(p.topic, (list = []));
        list.push({ partitionIndex: p.index, partitionSize: p.log.sizeBytes, offsetLag: 0, isFutureKey: false });
      }
      let totalBytes = -1;
      let usableBytes = -1;
      try {
        const s = await statfs(dir);
        totalBytes = s.blocks * s.bsize;
        usableBytes = s.bavail * s.bsize;
      } catch {
        // Unknown sizes are reported as -1.
      }
      results.push({
        errorCode: ErrorCode.NONE,
        logDir: absoluteDir,
        topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
        totalBytes,
        usableBytes,
      });
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, results };
  },
});
