import { promises as fs } from "node:fs";
import path from "node:path";
import type { NodeId, QuorumState } from "../raft/types.js";

/** The quorum-state file exists but cannot be trusted; the node refuses to start rather than risk a double vote. */
export class QuorumStateCorruptError extends Error {
  readonly code = "QUORUM_STATE_CORRUPT";
  constructor(readonly filePath: string, reason: string) {
    super(`unreadable quorum-state file ${filePath}: ${reason}; refusing to join the quorum (restore or remove it deliberately)`);
    this.name = "QuorumStateCorruptError";
  }
}

/** On-disk shape, close to KRaft's QuorumStateData so operators recognise it. */
interface QuorumStateData {
  readonly data_version: 0;
  readonly clusterId: string;
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly votedId: number;
  readonly currentVoters: { voterId: number }[];
}

/**
 * Persists the quorum state: write a temporary file, fsync it, rename it over the
 * old one and fsync the directory, so a crash leaves either the old or the new state.
 */
export class QuorumStateFile {
  readonly filePath: string;

  constructor(
    dataDir: string,
    private readonly clusterId: string,
    private readonly voters: readonly NodeId[],
  ) {
    this.filePath = path.join(dataDir, "quorum-state");
  }

  async read(): Promise<QuorumState | null> {
    let text: string;
    try {
      text = await fs.readFile(this.filePath, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw new QuorumStateCorruptError(this.filePath, (error as Error).message);
    }
    let data: QuorumStateData;
    try {
      data = JSON.parse(text) as QuorumStateData;
    } catch (error) {
      throw new QuorumStateCorruptError(this.filePath, `not JSON (${(error as Error).message})`);
    }
    for (const key of ["leaderId", "leaderEpoch", "votedId"] as const) {
      if (!Number.isSafeInteger(data[key])) throw new QuorumStateCorruptError(this.filePath, `${key} is not an integer`);
    }
    if (data.clusterId !== this.clusterId) {
      throw new QuorumStateCorruptError(this.filePath, `it belongs to cluster ${JSON.stringify(data.clusterId)}, this node is configured for ${JSON.stringify(this.clusterId)}`);
    }
    return { epoch: data.leaderEpoch, leaderId: data.leaderId < 0 ? null : data.leaderId, votedId: data.votedId < 0 ? null : data.votedId };
  }

  async write(state: QuorumState): Promise<void> {
    const data: QuorumStateData = {
      data_version: 0,
      clusterId: this.clusterId,
      leaderId: state.leaderId ?? -1,
      leaderEpoch: state.epoch,
      votedId: state.votedId ?? -1,
      currentVoters: this.voters.map((voterId) => ({ voterId })),
    };
    const dir = path.dirname(this.filePath);
    await fs.mkdir(dir, { recursive: true });
    const tmp = `${this.filePath}.tmp`;
    const handle = await fs.open(tmp, "w");
    try {
      await handle.writeFile(JSON.stringify(data));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, this.filePath);
    const dirHandle = await fs.open(dir, "r");
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  }
}
