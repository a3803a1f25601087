/** Bytes an unsigned LEB128 varint of `v` (0 ≤ v < 2^53) takes. */
export function uvarintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** Bytes a zig-zag varint/varlong of the safe integer `v` takes. */
export function varlongSize(v: number): number {
  // Zig-zag: 2v for v ≥ 0, -2v - 1 for v < 0; the size only depends on the magnitude.
  return uvarintSize(v >= 0 ? v * 2 : -v * 2 - 1);
}
