/** Where a command writes; tests pass buffers, the binary passes process streams. */
export interface OutputSink {
  write(text: string): void;
}

export type Cell = string | number | boolean | null | undefined | readonly (string | number)[];

function cellText(cell: Cell): string {
  if (cell === null || cell === undefined) return "-";
  if (Array.isArray(cell)) return cell.join(",");
  return String(cell);
}

/**
 * A plain aligned text table (header row, then rows), the shape kafka-topics
 * and kcat users read at a glance. Numbers are right-aligned.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const texts = rows.map((row) => headers.map((_, i) => cellText(row[i])));
  const widths = headers.map((h, i) => Math.max(h.length, ...texts.map((t) => t[i]!.length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === "number"));
  const line = (cells: readonly string[], isHeader: boolean) =>
    cells
      .map((c, i) => (numeric[i] && !isHeader ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(headers, true), ...texts.map((t) => line(t, false))].join("\n") + "\n";
}

/** One JSON document per line, so `--json` output pipes into jq and line-based tools. */
export function formatJsonLine(value: unknown): string {
  return JSON.stringify(value) + "\n";
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(2)} ${units[u]}`;
}
