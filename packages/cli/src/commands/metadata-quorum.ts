import { BrokerError, clientApi } from "@samsa/client";
import { ApiKey, ErrorCode, type DescribeQuorumResponseReplicaState } from "@samsa/protocol";
import type { Argv } from "yargs";
import type { CommandContext } from "../context.js";
import { formatJsonLine, formatTable } from "../output.js";
import { withClient, withClientOptions } from "./common.js";

const describeQuorumApi = clientApi(ApiKey.DescribeQuorum, 0, 2);
const METADATA_TOPIC = "__cluster_metadata";

interface ReplicaRow {
  nodeId: number;
  logEndOffset: number;
  /** Entries behind the leader's log end (-1: unknown, it has not fetched in this epoch). */
  lag: number;
  lastFetchTimestamp: number;
  lastCaughtUpTimestamp: number;
  status: "Leader" | "Follower" | "Observer";
}

export interface QuorumStatus {
  leaderId: number;
  leaderEpoch: number;
  highWatermark: number;
  maxFollowerLag: number;
  maxFollowerLagTimeMs: number;
  voters: ReplicaRow[];
  observers: ReplicaRow[];
}

/** Summarises a DescribeQuorum answer the way kafka-metadata-quorum.sh does. */
export function quorumStatus(
  partition: { leaderId: number; leaderEpoch: number; highWatermark: number; currentVoters: DescribeQuorumResponseReplicaState[]; observers: DescribeQuorumResponseReplicaState[] },
  nowMs: number,
): QuorumStatus {
  const leaderEnd = partition.currentVoters.find((v) => v.replicaId === partition.leaderId)?.logEndOffset ?? partition.highWatermark;
  const row = (r: DescribeQuorumResponseReplicaState, status: ReplicaRow["status"]): ReplicaRow => ({
    nodeId: r.replicaId,
    logEndOffset: r.logEndOffset,
    lag: r.logEndOffset < 0 ? -1 : Math.max(0, leaderEnd - r.logEndOffset),
    lastFetchTimestamp: r.lastFetchTimestamp ?? -1,
    lastCaughtUpTimestamp: r.lastCaughtUpTimestamp ?? -1,
    status,
  });
  const byId = (a: DescribeQuorumResponseReplicaState, b: DescribeQuorumResponseReplicaState) => a.replicaId - b.replicaId;
  const voters = [...partition.currentVoters].sort(byId).map((v) => row(v, v.replicaId === partition.leaderId ? "Leader" : "Follower"));
  const observers = [...partition.observers].sort(byId).map((o) => row(o, "Observer"));
  const followers = voters.filter((v) => v.status !== "Leader");
  const maxFollowerLag = followers.reduce((max, v) => Math.max(max, v.lag < 0 ? leaderEnd : v.lag), 0);
  const maxFollowerLagTimeMs = followers.reduce((max, v) => Math.max(max, v.lastCaughtUpTimestamp < 0 ? nowMs : nowMs - v.lastCaughtUpTimestamp), 0);
  return { leaderId: partition.leaderId, leaderEpoch: partition.leaderEpoch, highWatermark: partition.highWatermark, maxFollowerLag, maxFollowerLagTimeMs, voters, observers };
}

export function formatQuorumStatus(status: QuorumStatus, nowMs: number): string {
  const since = (ts: number) => (ts < 0 ? "-" : `${Math.max(0, nowMs - ts)} ms ago`);
  const rows = [...status.voters, ...status.observers].map((r) => [r.nodeId, r.logEndOffset, r.lag < 0 ? "-" : r.lag, since(r.lastFetchTimestamp), since(r.lastCaughtUpTimestamp), r.status]);
  return (
    [
      `LeaderId:             ${status.leaderId}`,
      `LeaderEpoch:          ${status.leaderEpoch}`,
      `HighWatermark:        ${status.highWatermark}`,
      `MaxFollowerLag:       ${status.maxFollowerLag}`,
      `MaxFollowerLagTimeMs: ${status.maxFollowerLagTimeMs}`,
      `CurrentVoters:        [${status.voters.map((v) => v.nodeId).join(",")}]`,
      `CurrentObservers:     [${status.observers.map((o) => o.nodeId).join(",")}]`,
    ].join("\n") +
    "\n\n" +
    formatTable(["NODE-ID", "LOG-END-OFFSET", "LAG", "LAST-FETCH", "LAST-CAUGHT-UP", "STATUS"], rows)
  );
}

export function metadataQuorumCommand(ctx: CommandContext) {
  const out = (s: string) => ctx.io.stdout.write(s.endsWith("\n") ? s : s + "\n");
  return (yargs: Argv) =>
    yargs
      .command(
        "describe",
        "Describe the metadata quorum (DescribeQuorum, answered by the active controller)",
        (y) => withClientOptions(y, ctx).option("status", { type: "boolean", default: true, describe: "leader, epoch, high watermark, lag of voters and observers" }),
        async (args) => {
          await withClient(args, async (client) => {
            const res = await client.withRetries("DescribeQuorum", async () => {
              const r = await client.call(await client.anyConnection(), describeQuorumApi, { topics: [{ topicName: METADATA_TOPIC, partitions: [{ partitionIndex: 0 }] }] });
              const partitionError = r.topics[0]?.partitions[0]?.errorCode ?? ErrorCode.NONE;
              const code = r.errorCode !== ErrorCode.NONE ? r.errorCode : partitionError;
              if (code !== ErrorCode.NONE) throw BrokerError.fromCode(code, "DescribeQuorum", r.errorMessage);
              return r;
            });
            const partition = res.topics[0]!.partitions[0]!;
            const nowMs = Date.now();
            const status = quorumStatus(partition, nowMs);
            out(args.json ? formatJsonLine(status) : formatQuorumStatus(status, nowMs));
          });
        },
      )
      .demandCommand(1, "name a metadata-quorum subcommand (describe)");
}
