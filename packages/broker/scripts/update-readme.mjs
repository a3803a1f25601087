// Regenerates the configuration tables in README.md from the definitions
// table. Run after `npx tsc -b packages/broker`:
//   node packages/broker/scripts/update-readme.mjs
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderBrokerConfigTable, renderTopicConfigTable } from "../dist/index.js";

const readmePath = fileURLToPath(new URL("../README.md", import.meta.url));
let text = readFileSync(readmePath, "utf8");
for (const [name, table] of [
  ["broker-configs", renderBrokerConfigTable()],
  ["topic-configs", renderTopicConfigTable()],
]) {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < 0) throw new Error(`README.md lacks the ${name} markers`);
  text = text.slice(0, from + start.length) + "\n" + table + "\n" + text.slice(to);
}
writeFileSync(readmePath, text);
