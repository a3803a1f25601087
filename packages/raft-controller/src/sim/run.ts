#!/usr/bin/env node
import { parseArgs } from "node:util";
import { runSimulation, SimulationFailure } from "./simulator.js";

// Replays one simulation seed, or a range of seeds, with an optional event trace:
//   npm run sim -- --seed 42 --nodes 3 [--trace] [--count 100]
const { values } = parseArgs({
  options: {
    seed: { type: "string", default: "1" },
    nodes: { type: "string", default: "3" },
    count: { type: "string", default: "1" },
    trace: { type: "boolean", default: false },
    messages: { type: "boolean", default: false },
    observer: { type: "string" },
  },
});

const first = Number(values.seed);
const voters = Number(values.nodes);
const count = Number(values.count);
let failures = 0;
const totals: Record<string, number> = {};
const startedMs = Date.now();
for (let seed = first; seed < first + count; seed++) {
  try {
    const result = runSimulation({
      seed,
      voters,
      ...(values.observer !== undefined ? { observer: values.observer === "true" } : {}),
      ...(values.trace ? { trace: (line: string) => console.log(line), traceMessages: values.messages } : {}),
    });
    for (const [key, value] of Object.entries(result.stats)) totals[key] = (totals[key] ?? 0) + value;
    if (count === 1 || values.trace) {
      console.log(`seed ${seed}: ok, ${result.committedEntries} committed entries, ${result.leaderEpochs} epochs, ${result.events} events, ${result.simulatedMs} simulated ms`);
    }
  } catch (error) {
    failures++;
    console.error(error instanceof SimulationFailure ? error.message : error);
  }
}
if (count > 1) {
  console.log(`${count - failures}/${count} seeds passed in ${Date.now() - startedMs} ms`);
  console.log(`totals: ${JSON.stringify(totals)}`);
}
process.exitCode = failures > 0 ? 1 : 0;
