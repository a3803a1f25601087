import { InvalidRecordError, recordsBody, type RecordBatchView } from "@samsa/protocol";

export interface RecordSizes {
  records: number;
  /** Key plus value bytes, as kafka-consumer-perf-test counts a record's size. */
  bytes: number;
}

/**
 * Counts the records of a batch at or after `fromOffset` and their key and
 * value bytes by walking the record framing only: nothing is allocated per
 * record. For tools that need sizes, not records (`perf consume`); malformed
 * framing raises InvalidRecordError as full decoding would.
 */
export function recordSizes(batch: RecordBatchView, fromOffset: number): RecordSizes {
  const count = batch.recordsCount;
  if (count < 0) throw new InvalidRecordError(`batch declares ${count} records`);
  const body = recordsBody(batch);
  const baseOffset = batch.baseOffset;
  const cursor = { buf: body, pos: 0 };
  let records = 0;
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const length = zigzag(readUvarint(cursor));
    const end = cursor.pos + length;
    if (length < 0 || end > body.length) throw new InvalidRecordError(`record ${i} declares ${length} bytes, ${body.length - cursor.pos} remain`);
    cursor.pos += 1; // attributes
    readUvarint(cursor); // timestamp delta
    const offsetDelta = zigzag(readUvarint(cursor));
    const keyLength = zigzag(readUvarint(cursor));
    if (keyLength > 0) cursor.pos += keyLength;
    const valueLength = zigzag(readUvarint(cursor));
    if (cursor.pos > end || (valueLength > 0 && cursor.pos + valueLength > end)) throw new InvalidRecordError(`record ${i} overruns its ${length} bytes`);
    if (baseOffset + offsetDelta >= fromOffset) {
      records++;
      bytes += Math.max(0, keyLength) + Math.max(0, valueLength);
    }
    cursor.pos = end;
  }
  if (cursor.pos !== body.length) throw new InvalidRecordError(`${body.length - cursor.pos} bytes follow the ${count} records the batch declares`);
  return { records, bytes };
}

/** Longest varint of a 64-bit value; longer runs of continuation bits are corrupt. */
const MAX_VARINT_BYTES = 10;

function readUvarint(c: { buf: Buffer; pos: number }): number {
  let result = 0;
  let multiplier = 1;
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    if (c.pos >= c.buf.length) throw new InvalidRecordError("record framing ends inside a varint");
    const byte = c.buf[c.pos++]!;
    result += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) return result;
    multiplier *= 128;
  }
  throw new InvalidRecordError("varint longer than 10 bytes");
}

/** Zigzag decoding with arithmetic, so values beyond 32 bits stay exact. */
function zigzag(n: number): number {
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
}
