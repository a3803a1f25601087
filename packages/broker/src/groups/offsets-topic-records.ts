import { ProtocolDecodeError, Reader, Writer } from "@samsa/protocol";

/**
 * The records of `__consumer_offsets` in Kafka's own format (the classic
 * group coordinator's key and value schemas), so tools that read that topic
 * keep working. Keys start with an int16 version: 0 and 1 are offset commit
 * keys, 2 is a group metadata key. A null value is a tombstone.
 */

export const OFFSET_COMMIT_KEY_VERSION = 1;
export const GROUP_METADATA_KEY_VERSION = 2;
/** v3 carries the leader epoch; v1 the (deprecated) per-commit expiry. */
export const OFFSET_COMMIT_VALUE_VERSION = 3;
export const GROUP_METADATA_VALUE_VERSION = 3;
const FIRST_FLEXIBLE_VALUE_VERSION = 4;

const KEY_INITIAL_BYTES = 64;
const VALUE_INITIAL_BYTES = 128;

export type OffsetsTopicKey =
  | { kind: "offset"; group: string; topic: string; partition: number }
  | { kind: "group"; group: string };

export interface OffsetCommitValue {
  offset: number;
  /** -1 when the client gave none. */
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
  /** Only in value v1; -1 otherwise. */
  expireTimestamp: number;
}

export interface GroupMemberRecord {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  subscription: Buffer;
  assignment: Buffer;
}

export interface GroupMetadataValue {
  protocolType: string;
  generation: number;
  protocol: string | null;
  leader: string | null;
  /** When the group entered its current state; -1 in values before v2. */
  currentStateTimestamp: number;
  members: GroupMemberRecord[];
}

/** A `__consumer_offsets` record whose key or value is not in a format this broker reads. */
export class OffsetsRecordFormatError extends ProtocolDecodeError {
  override name = "OffsetsRecordFormatError";
}

export function encodeOffsetCommitKey(group: string, topic: string, partition: number): Buffer {
  const w = new Writer(KEY_INITIAL_BYTES);
  w.int16(OFFSET_COMMIT_KEY_VERSION);
  w.string(group);
  w.string(topic);
  w.int32(partition);
  return w.toBuffer();
}

export function encodeGroupMetadataKey(group: string): Buffer {
  const w = new Writer(KEY_INITIAL_BYTES);
  w.int16(GROUP_METADATA_KEY_VERSION);
  w.string(group);
  return w.toBuffer();
}

export function decodeOffsetsTopicKey(key: Buffer): OffsetsTopicKey {
  const r = new Reader(key);
  const version = r.int16();
  let decoded: OffsetsTopicKey;
  if (version === 0 || version === 1) {
    decoded = { kind: "offset", group: r.string(), topic: r.string(), partition: r.int32() };
  } else if (version === 2) {
    decoded = { kind: "group", group: r.string() };
  } else {
    throw new OffsetsRecordFormatError(`unknown __consumer_offsets key version ${version}`);
  }
  if (r.remaining !== 0) throw new OffsetsRecordFormatError(`${r.remaining} bytes follow a key of version ${version}`);
  return decoded;
}

/** Writes v1 when the commit has an expiry (it is the only version that stores one), else v3. */
export function encodeOffsetCommitValue(v: OffsetCommitValue): Buffer {
  const version = v.expireTimestamp >= 0 ? 1 : OFFSET_COMMIT_VALUE_VERSION;
  const w = new Writer(VALUE_INITIAL_BYTES);
  w.int16(version);
  w.int64(v.offset);
  if (version >= 3) w.int32(v.leaderEpoch);
  w.string(v.metadata);
  w.int64(v.commitTimestamp);
  if (version === 1) w.int64(v.expireTimestamp);
  return w.toBuffer();
}

export function decodeOffsetCommitValue(value: Buffer): OffsetCommitValue {
  const r = new Reader(value);
  const version = r.int16();
  if (version < 0 || version > FIRST_FLEXIBLE_VALUE_VERSION) throw new OffsetsRecordFormatError(`unknown offset commit value version ${version}`);
  const flexible = version >= FIRST_FLEXIBLE_VALUE_VERSION;
  const offset = r.int64();
  const leaderEpoch = version >= 3 ? r.int32() : -1;
  const metadata = flexible ? r.compactString() : r.string();
  const commitTimestamp = r.int64();
  const expireTimestamp = version === 1 ? r.int64() : -1;
  if (flexible) r.skipTaggedFields();
  return { offset, leaderEpoch, metadata, commitTimestamp, expireTimestamp };
}

export function encodeGroupMetadataValue(v: GroupMetadataValue): Buffer {
  const version = GROUP_METADATA_VALUE_VERSION;
  const w = new Writer(VALUE_INITIAL_BYTES);
  w.int16(version);
  w.string(v.protocolType);
  w.int32(v.generation);
  w.nullableString(v.protocol);
  w.nullableString(v.leader);
  w.int64(v.currentStateTimestamp);
  w.arrayLength(v.members.length);
  for (const m of v.members) {
    w.string(m.memberId);
    w.nullableString(m.groupInstanceId);
    w.string(m.clientId);
    w.string(m.clientHost);
    w.int32(m.rebalanceTimeoutMs);
    w.int32(m.sessionTimeoutMs);
    w.bytes(m.subscription);
    w.bytes(m.assignment);
  }
  return w.toBuffer();
}

export function decodeGroupMetadataValue(value: Buffer): GroupMetadataValue {
  const r = new Reader(value);
  const version = r.int16();
  if (version < 0 || version > FIRST_FLEXIBLE_VALUE_VERSION) throw new OffsetsRecordFormatError(`unknown group metadata value version ${version}`);
  const flexible = version >= FIRST_FLEXIBLE_VALUE_VERSION;
  const str = () => (flexible ? r.compactString() : r.string());
  const nullableStr = () => (flexible ? r.compactNullableString() : r.nullableString());
  const bytes = () => (flexible ? r.compactBytes() : r.bytes());
  const protocolType = str();
  const generation = r.int32();
  const protocol = nullableStr();
  const leader = nullableStr();
  const currentStateTimestamp = version >= 2 ? r.int64() : -1;
  const count = flexible ? r.compactArrayLength() : r.arrayLength();
  const members: GroupMemberRecord[] = [];
  for (let i = 0; i < count; i++) {
    const memberId = str();
    const groupInstanceId = version >= 3 ? nullableStr() : null;
    const clientId = str();
    const clientHost = str();
    const rebalanceTimeoutMs = version >= 1 ? r.int32() : -1;
    const sessionTimeoutMs = r.int32();
    const subscription = bytes();
    const assignment = bytes();
    if (flexible) r.skipTaggedFields();
    members.push({ memberId, groupInstanceId, clientId, clientHost, rebalanceTimeoutMs: rebalanceTimeoutMs < 0 ? sessionTimeoutMs : rebalanceTimeoutMs, sessionTimeoutMs, subscription, assignment });
  }
  if (flexible) r.skipTaggedFields();
  return { protocolType, generation, protocol, leader, currentStateTimestamp, members };
}
