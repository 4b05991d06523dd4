/**
 * Streaming output keeps memory bounded: a 1M-row table exported as CSV by the CLI, with the
 * child's peak RSS measured by /usr/bin/time, next to the peak RSS of a process that only
 * iterates the same scan through the library (the floor the CLI cannot go below: the Parquet
 * reader's WASM heap and read-ahead). The CLI's rendering and output must add little to it.
 */
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeDeltaTable } from "../../src/index.js";
import { CLI_MAIN, TRANSPILED_ROOT } from "../unit/cli/run-cli.js";
import { exportBatches } from "../../bench/lib/export-rows.js";

const ROWS = 1_000_000;
const BATCH = 100_000;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Runs `args` under /usr/bin/time; resolves with the exit code, peak RSS (KiB) and stdout stats. */
function measured(
  args: string[],
  rssFile: string,
  withNode = true,
): Promise<{ code: number | null; peakKiB: number; lines: number; first: string; last: string; stderr: string }> {
  const command = withNode ? [process.execPath, ...args] : args;
  // the #! line finds `node` on PATH: make it this node
  const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}` };
  const child = spawn("/usr/bin/time", ["-f", "%M", "-o", rssFile, ...command], { stdio: ["ignore", "pipe", "pipe"], env });
  let lines = 0;
  let last = "";
  let first: string | undefined;
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    first ??= chunk.slice(0, chunk.indexOf("\n"));
    for (let i = chunk.indexOf("\n"); i >= 0; i = chunk.indexOf("\n", i + 1)) lines++;
    last = (last + chunk).slice(-200);
  });
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  return new Promise((done) =>
    child.on("close", (code) =>
      done({ code, peakKiB: Number(readFileSync(rssFile, "utf8").trim().split("\n").pop()), lines, first: first ?? "", last, stderr }),
    ),
  );
}

const ITERATE_ONLY = `import { DeltaTable } from "./src/index.js";
const table = await DeltaTable.open(process.argv[2]);
let rows = 0;
for await (const batch of table.scan({})) rows += batch.numRows;
console.log(rows);
`;

describe.skipIf(!existsSync("/usr/bin/time"))("lakelog scan memory", () => {
  it("exports 1M rows as CSV, streaming: peak RSS close to the library scan's own", { timeout: 600_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "lakelog-cli-mem-"));
    dirs.push(dir);
    const table = join(dir, "t");
    await writeDeltaTable(table, exportBatches(ROWS, BATCH), { targetFileSize: 2 * 1024 * 1024 });
    // run as the installed `lakelog` is, the file itself through its #! line: scan re-runs itself in a
    // tuned child (main.ts) and /usr/bin/time reports the larger of the two, the child (the waiting
    // parent holds ~7 MiB of its own besides the node binary's pages it shares with the child)
    chmodSync(CLI_MAIN, 0o755);
    // peak RSS moves by ~15 MiB between identical runs (when the GC runs): three runs, the median
    const cliRuns = [];
    for (let run = 0; run < 3; run++) {
      const cliRun = await measured([CLI_MAIN, "scan", table, "--format", "csv", "--all"], join(dir, `rss-cli-${run}.txt`), false);
      expect(cliRun.code, cliRun.stderr).toBe(0);
      expect(cliRun.first).toBe("id,name,value,at");
      expect(cliRun.lines).toBe(ROWS + 1);
      expect(cliRun.last).toMatch(/\n\d+,name-\d+,[\d.]+,\d{4}-\d\d-\d\dT[\d:.]+Z\n$/);
      cliRuns.push(cliRun.peakKiB);
    }
    const cliRun = { peakKiB: [...cliRuns].sort((a, b) => a - b)[1]! };
    const script = join(TRANSPILED_ROOT, "iterate-only.mjs");
    writeFileSync(script, ITERATE_ONLY);
    const floor = await measured([script, table], join(dir, "rss-lib.txt"));
    expect(floor.code, floor.stderr).toBe(0);
    expect(floor.last.trim()).toBe(String(ROWS));
    const mib = (kib: number): string => (kib / 1024).toFixed(0);
    console.log(
      `1M-row CSV export: CLI peak RSS ${cliRuns.map(mib).join(", ")} MiB (median ${mib(cliRun.peakKiB)}); library scan alone ${mib(floor.peakKiB)} MiB`,
    );
    // the CLI's own share (rendering, output) is small and does not grow with the row count;
    // the buffered CLI this replaced needed 640 MB for 1.1M rows
    expect(cliRun.peakKiB - floor.peakKiB).toBeLessThan(96 * 1024);
    expect(cliRun.peakKiB).toBeLessThan(320 * 1024);
    // the goal for this export: under 200 MB (single runs measured here 142 to 164 MiB, i.e. 149 to 172 MB)
    expect(cliRun.peakKiB * 1024).toBeLessThan(200e6);
  });
});
