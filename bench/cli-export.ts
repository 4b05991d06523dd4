/**
 * `lakelog scan --format csv --all` of a 1M-row table to a file, against DuckDB's
 * `COPY (SELECT * FROM read_parquet(...)) TO ... (FORMAT csv)` of the same Parquet files, each run
 * as its own process under /usr/bin/time (wall time and peak RSS of the whole process, start-up
 * included on both sides).
 *
 * The table is the one of test/integration/cli-memory.test.ts: id long, name string (5000
 * distinct), value double, at timestamp (µs, UTC); 1M rows in ~2 MiB files. The CLI runs as the
 * installed `lakelog` does (the compiled main.js executed through its #! line). DuckDB runs in a
 * Node process through `@duckdb/node-api` with `threads=1` (parquet-wasm and the CLI's rendering use
 * one thread) and `threads=2` beside it. Both outputs are checked to have the same number of lines.
 *
 * Samples: the variants alternate, 3 rounds after one warm-up of each; medians.
 */
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DeltaTable, writeDeltaTable } from "../src/index.js";
import { median } from "./lib/child.js";
import { repoRoot } from "./lib/dataset.js";
import { type Comparison, emit, emitSkipped } from "./lib/measure.js";
import { exportBatches } from "./lib/export-rows.js";

const ROWS = 1_000_000;
const BATCH = 100_000;
const ROUNDS = 3;
const LOAD_AT_START = loadavg()
  .map((l) => l.toFixed(2))
  .join(" / ");

interface ProcessRun {
  ms: number;
  peakMiB: number;
}

/** Runs `command` under /usr/bin/time with stdout to /dev/null; wall time and peak RSS. */
function timedProcess(command: string[], scratch: string): Promise<ProcessRun> {
  const report = join(scratch, "time.txt");
  const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}` };
  return new Promise((resolve, reject) => {
    const child = spawn("/usr/bin/time", ["-f", "%e %M", "-o", report, ...command], { stdio: ["ignore", "ignore", "pipe"], env });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`${command.join(" ")} failed (exit ${code}): ${stderr}`));
      const [seconds, kib] = readFileSync(report, "utf8").trim().split("\n").pop()!.split(" ").map(Number);
      resolve({ ms: seconds! * 1000, peakMiB: kib! / 1024 });
    });
  });
}

function lineCount(path: string): number {
  const bytes = readFileSync(path);
  let n = 0;
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}

/** The DuckDB side, run as `node cli-export.js duckdb <out> <threads> <file>...`. */
async function duckdbChild(out: string, threads: string, files: string[]): Promise<void> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(":memory:", { threads });
  const connection = await instance.connect();
  const list = files.map((f) => `'${f}'`).join(", ");
  await connection.run(`COPY (SELECT id, name, value, "at" FROM read_parquet([${list}])) TO '${out}' (FORMAT csv, HEADER true)`);
}

async function main(): Promise<void> {
  if (process.argv[2] === "duckdb") return duckdbChild(process.argv[3]!, process.argv[4]!, process.argv.slice(5));
  if (!existsSync("/usr/bin/time")) return emitSkipped("cli-export", "/usr/bin/time is not installed (Debian package `time`)");
  const cli = join(repoRoot(), "dist/src/cli/main.js");
  chmodSync(cli, 0o755);
  const scratch = mkdtempSync(join(tmpdir(), "lakelog-bench-cli-"));
  try {
    const tableDir = join(scratch, "t");
    await writeDeltaTable(tableDir, exportBatches(ROWS, BATCH), { targetFileSize: 2 * 1024 * 1024 });
    const files = (await DeltaTable.open(tableDir)).files().map((f) => join(tableDir, decodeURIComponent(f)));
    const self = fileURLToPath(import.meta.url);
    const out = join(scratch, "out.csv");
    const variants: Record<string, string[]> = {
      lakelog: [cli, "scan", tableDir, "--format", "csv", "--all", "--output", out, "--force"],
      "duckdb-t1": [process.execPath, self, "duckdb", out, "1", ...files],
      "duckdb-t2": [process.execPath, self, "duckdb", out, "2", ...files],
    };
    const runs: Record<string, ProcessRun[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
    const lines: Record<string, number> = {};
    const sizes: Record<string, number> = {};
    for (let round = -1; round < ROUNDS; round++) {
      for (const [name, command] of Object.entries(variants)) {
        rmSync(out, { force: true });
        const run = await timedProcess(command, scratch);
        if (round < 0) {
          lines[name] = lineCount(out);
          sizes[name] = statSync(out).size;
          continue;
        }
        runs[name]!.push(run);
        console.log(`  ${name}: ${run.ms.toFixed(0)} ms, peak ${run.peakMiB.toFixed(0)} MiB`);
      }
    }
    for (const [name, n] of Object.entries(lines)) {
      if (n !== ROWS + 1) throw new Error(`${name} wrote ${n} lines, expected ${ROWS + 1}`);
    }
    const ms = (name: string) => median(runs[name]!.map((r) => r.ms));
    const mib = (name: string) => median(runs[name]!.map((r) => r.peakMiB));
    const comparisons: Comparison[] = [
      {
        metric: "1M rows to CSV, wall time (process start to exit)",
        unit: "ms",
        ours: ms("lakelog"),
        peer: ms("duckdb-t1"),
        peerName: "DuckDB COPY … (FORMAT csv), threads=1",
        higherIsBetter: false,
      },
      {
        metric: "the same",
        unit: "ms",
        ours: ms("lakelog"),
        peer: ms("duckdb-t2"),
        peerName: "DuckDB COPY … (FORMAT csv), threads=2",
        higherIsBetter: false,
      },
      {
        metric: "peak RSS",
        unit: "MiB",
        ours: mib("lakelog"),
        peer: mib("duckdb-t1"),
        peerName: "DuckDB COPY … (FORMAT csv), threads=1",
        higherIsBetter: false,
        note: "the issue's goal: under 200 MB (190.7 MiB)",
      },
    ];
    emit({
      name: "cli-export",
      comparisons,
      facts: {
        table: `${ROWS} rows (id long, name string, value double, at timestamp) in ${files.length} files`,
        "CSV bytes (lakelog / DuckDB t1)": `${sizes.lakelog} / ${sizes["duckdb-t1"]} (DuckDB prints doubles and timestamps differently)`,
        "load average at start (1/5/15 min)": LOAD_AT_START,
        samples: `median of ${ROUNDS} after one warm-up each, the variants alternating, each run its own process`,
        "all runs (ms / MiB)": Object.entries(runs)
          .map(([k, v]) => `${k} ${v.map((r) => `${r.ms.toFixed(0)}/${r.peakMiB.toFixed(0)}`).join(", ")}`)
          .join("; "),
      },
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
