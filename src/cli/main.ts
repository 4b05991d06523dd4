#!/usr/bin/env node
/**
 * The `lakelog` entry point. Commands that stream rows to the output (`scan`, `head`,
 * `changes`) run in a child node process with settings that bound an export's memory, measured on
 * a 1M-row CSV export (BENCHMARKS.md, cli-export):
 * - `--max-semi-space-size=2`: V8's young generation stays at 2 MiB per semi-space. Node's default
 *   grows it to 16 while rendering allocates short-lived strings: ~30 MiB more, for no speed gain.
 *   V8 reads it only at start-up (`v8.setFlagsFromString` has no effect; a runtime growth factor
 *   of 1 makes the export ~1.7x slower).
 * - `MALLOC_MMAP_THRESHOLD_=131072`: glibc keeps buffers over 128 KiB in their own mappings,
 *   returned to the system when freed. Its default raises the threshold as buffers are freed, and
 *   the decoded Parquet buffers then stay in the heap: ~30 MiB more. Other C libraries ignore it.
 * Together: peak RSS median ~205 → ~150 MiB. The settings cannot go in the `#!` line portably
 * (`env -S` is GNU and BSD-macOS only; Alpine's busybox env refuses it), hence the child. It
 * costs one node start-up (~40 ms) on those commands only; this process imports nothing else,
 * waits, and exits with the child's code. Other commands, `--help` and `--version` run here.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const STREAMING = new Set(["scan", "head", "changes"]);
const TUNED = "LAKELOG_CLI_TUNED";

const argv = process.argv.slice(2);
const command = argv.find((a) => !a.startsWith("-"));
if (
  process.env[TUNED] === undefined &&
  command !== undefined &&
  STREAMING.has(command) &&
  !argv.includes("--help") &&
  !argv.includes("-h")
) {
  const run = fileURLToPath(new URL("./run.js", import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv, "--max-semi-space-size=2", run, ...argv], {
    stdio: "inherit",
    env: { ...process.env, [TUNED]: "1", MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? "131072" },
  });
  // Ctrl-C reaches the child too (same process group): it interrupts cleanly and exits 130, so
  // this process ignores SIGINT and waits. SIGTERM and SIGHUP sent to this process are passed on.
  process.on("SIGINT", () => {});
  for (const signal of ["SIGTERM", "SIGHUP"] as const) process.on(signal, () => child.kill(signal));
  child.on("error", (err) => {
    process.stderr.write(`lakelog: cannot start node: ${err.message}\n`);
    process.exitCode = 1;
  });
  child.on("exit", (code, signal) => {
    process.exitCode = code ?? (signal ? 128 + (signalNumber(signal) ?? 1) : 1);
  });
} else {
  await import("./run.js");
}

function signalNumber(signal: NodeJS.Signals): number | undefined {
  return { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15, SIGPIPE: 13 }[signal as string];
}
