/**
 * Parses Java `.properties` text (server.properties): `#`/`!` comments,
 * `key=value`, `key: value` or `key value`, backslash line continuations and
 * the usual escapes. Returns entries in file order with their line numbers.
 */
export function parseProperties(text: string): Array<{ key: string; value: string; line: number }> {
  const out: Array<{ key: string; value: string; line: number }> = [];
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const startLine = i + 1;
    let logical = lines[i]!.replace(/^\s+/, "");
    if (logical === "" || logical.startsWith("#") || logical.startsWith("!")) continue;
    // An odd number of trailing backslashes continues the line.
    while (endsWithContinuation(logical) && i + 1 < lines.length) {
      logical = logical.slice(0, -1) + lines[++i]!.replace(/^\s+/, "");
    }
    if (endsWithContinuation(logical)) logical = logical.slice(0, -1);
    const { key, rest } = splitKey(logical);
    out.push({ key: unescape(key), value: unescape(rest), line: startLine });
  }
  return out;
}

function endsWithContinuation(s: string): boolean {
  let n = 0;
  for (let j = s.length - 1; j >= 0 && s[j] === "\\"; j--) n++;
  return n % 2 === 1;
}

function splitKey(s: string): { key: string; rest: string } {
  let j = 0;
  while (j < s.length) {
    const c = s[j]!;
    if (c === "\\") {
      j += 2;
      continue;
    }
    if (c === "=" || c === ":" || c === " " || c === "\t" || c === "\f") break;
    j++;
  }
  const key = s.slice(0, j);
  let k = j;
  while (k < s.length && /[ \t\f]/.test(s[k]!)) k++;
  if (k < s.length && (s[k] === "=" || s[k] === ":")) k++;
  while (k < s.length && /[ \t\f]/.test(s[k]!)) k++;
  return { key, rest: s.slice(k) };
}

function unescape(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_m, e: string) => {
    if (e.length === 5) return String.fromCharCode(parseInt(e.slice(1), 16));
    switch (e) {
      case "t":
        return "\t";
      case "n":
        return "\n";
      case "r":
        return "\r";
      case "f":
        return "\f";
      default:
        return e;
    }
  });
}
