#!/usr/bin/env node
// Published entry: runs the compiled CLI. In the workspace, `pnpm workbench` runs src/ directly.
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  isTTY: process.stdout.isTTY === true,
});
