#!/usr/bin/env -S node --initial-old-space-size=256 --min-semi-space-size=16
import { run } from "../dist/main.js";

await run();
