import { UsageError } from "./args.js";

/** A line longer than this is refused rather than buffered without end. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

/**
 * Splits a byte stream into lines ("\n" or "\r\n"), decoding UTF-8. A final
 * line without a newline is still yielded; an empty trailing piece is not.
 */
export async function* readLines(input: AsyncIterable<Buffer | string>, maxLineBytes = DEFAULT_MAX_LINE_BYTES): AsyncGenerator<string> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of input) {
    let buf = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    for (;;) {
      const nl = buf.indexOf(0x0a);
      if (nl < 0) break;
      pending.push(buf.subarray(0, nl));
      yield finishLine(Buffer.concat(pending, pendingBytes + nl));
      pending = [];
      pendingBytes = 0;
      buf = buf.subarray(nl + 1);
    }
    if (buf.length > 0) {
      pending.push(buf);
      pendingBytes += buf.length;
      if (pendingBytes > maxLineBytes) throw new UsageError(`input line longer than ${maxLineBytes} bytes`);
    }
  }
  if (pendingBytes > 0) yield finishLine(Buffer.concat(pending, pendingBytes));
}

function finishLine(bytes: Buffer): string {
  const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
  return bytes.toString("utf8", 0, end);
}
