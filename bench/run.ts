/**
 * Runs the benchmarks, each in its own Node process (so peak memory is its own), prints the
 * figures as ratios against the peer measured in the same run, and with `--write` records them
 * in BENCHMARKS.md.
 *
 *   npm run bench                 # all benchmarks
 *   npm run bench -- store        # only some
 *   npm run bench -- --write      # also update BENCHMARKS.md
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { advantage, type BenchResult } from "./lib/measure.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");

/** Registered benchmarks: name → module file (compiled, beside this one) and what it measures. */
const BENCHMARKS: Record<string, { file: string; about: string; nodeArgs?: string[] }> = {
  store: { file: "store.js", about: "object-store throughput per backend against the raw SDK / fs call" },
  "log-open": {
    file: "log-open.js",
    about: "opening a 300k-add JSON log and counting its active files, against read + JSON.parse of the same bytes",
    nodeArgs: ["--expose-gc"],
  },
  "scan-full": {
    file: "scan-full.js",
    about: "full scan of a 10M-row partitioned table to Arrow, against DuckDB reading the same Parquet files to Arrow",
  },
  "scan-selective": {
    file: "scan-selective.js",
    about: "a filter on id that statistics should narrow to 1% of 100 files: files read, rows, time against a full scan and DuckDB",
    nodeArgs: ["--expose-gc"],
  },
  "write-10m": {
    file: "write-10m.js",
    about:
      "writing 10M rows as a Delta table partitioned by part (10 partitions), streamed from a generator, against raw parquet-wasm writing the same batches and DuckDB's COPY … PARTITION_BY of the same rows",
  },
  checkpoint: {
    file: "checkpoint.js",
    about: "checkpoint of the 300k-file table (time and peak RSS, each in its own process) against opening the table from that checkpoint",
  },
  "checkpoint-open": {
    file: "checkpoint-open.js",
    about:
      "opening the 300k-file table from a Parquet checkpoint (of a temporary copy of its log), against reading the checkpoint's action columns with the Parquet reader and against opening from the JSON log",
    nodeArgs: ["--expose-gc"],
  },
  commits: {
    file: "commits.js",
    about:
      "commit throughput of small appends (10 rows each): 1 writer sequentially and 8 writer processes racing on the local store, 1 writer on S3 (Ceph) and Azure (Azurite), against create-if-absent puts of the same files",
  },
  vacuum: {
    file: "vacuum.js",
    about:
      "full-mode vacuum dry run over 100k orphan objects (100 partition folders) on the local store and the S3 server (Ceph RGW; 20k when creating 100k would take too long), objects/s against a raw listing of the same prefix (fs.readdir recursive / ListObjectsV2)",
  },
  optimize: {
    file: "optimize.js",
    about:
      "OPTIMIZE (bin-packing) of 1,000 files x 10k rows with the defaults, against raw parquet-wasm reading the same files and rewriting their rows (writeParquet, 1M-row files)",
  },
  delete: {
    file: "delete.js",
    about:
      "DELETE of 1% of the rows of a 10M-row table (100 files), scattered over every file and localized in 2, by copy-on-write and with deletion vectors, against raw parquet-wasm rewriting only the touched files",
  },
  merge: {
    file: "merge.js",
    about:
      "MERGE upserting 100k rows (10% updates scattered over every file) into a 10M-row table (100 files), by copy-on-write and with deletion vectors, against raw parquet-wasm rewriting only the touched files",
  },
  "cli-export": {
    file: "cli-export.js",
    about:
      "`lakelog scan --format csv --all --output FILE` of a 1M-row table (the CLI as installed, one process per run), against DuckDB's COPY … TO FILE (FORMAT csv) of the same Parquet files: wall time and peak RSS",
  },
  soak: {
    file: "soak.js",
    about:
      "8 processes mixing appends, overwrites, deletes, optimizes and reads on the S3 server for LAKELOG_SOAK_SECONDS (default 120): commits/s, conflicts, retries; every committed row present exactly once, no read sees a partial write",
  },
};

async function runOne(name: string): Promise<BenchResult> {
  const spec = BENCHMARKS[name]!;
  return new Promise((resolve, reject) => {
    const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
    const child = spawn(process.execPath, [...(spec.nodeArgs ?? []), join(here, spec.file)], { stdio: ["ignore", "pipe", "inherit"], env });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      process.stdout.write(chunk.replace(/^@@RESULT .*$/m, ""));
    });
    child.on("close", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("@@RESULT "));
      if (code !== 0 || !line) return reject(new Error(`benchmark ${name} failed (exit ${code})`));
      resolve(JSON.parse(line.slice("@@RESULT ".length)) as BenchResult);
    });
  });
}

function format(n: number): string {
  if (n >= 100) return n.toFixed(0);
  if (n >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

function render(results: BenchResult[], command: string): string {
  const lines: string[] = [];
  lines.push(
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}.`,
  );
  lines.push(`Command: \`${command}\`. Ratio > 1 means lakelog is better than the peer measured in the same run.`, "");
  for (const r of results) {
    lines.push(`## ${r.name}`, "", BENCHMARKS[r.name]?.about ?? "", "");
    lines.push("| metric | lakelog | peer | peer value | ratio | note |", "|---|---|---|---|---|---|");
    for (const c of r.comparisons) {
      lines.push(
        `| ${c.metric} | ${format(c.ours)} ${c.unit} | ${c.peerName} | ${format(c.peer)} ${c.unit} | ${format(advantage(c))}x | ${c.note ?? ""} |`,
      );
    }
    lines.push("", `Peak RSS of the benchmark process: ${r.peakRssMiB} MiB.`);
    const facts = Object.entries(r.facts);
    if (facts.length > 0) lines.push("", ...facts.map(([k, v]) => `- ${k}: ${v}`));
    lines.push("");
  }
  return lines.join("\n");
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const write = args.includes("--write");
  const names = args.filter((a) => !a.startsWith("--"));
  // the soak runs minutes and checks correctness rather than speed: only when named
  const selected = names.length > 0 ? names : Object.keys(BENCHMARKS).filter((n) => n !== "soak");
  for (const n of selected) if (!BENCHMARKS[n]) throw new Error(`unknown benchmark ${n}; known: ${Object.keys(BENCHMARKS).join(", ")}`);
  const results: BenchResult[] = [];
  for (const name of selected) {
    console.log(`\n=== ${name}: ${BENCHMARKS[name]!.about}`);
    results.push(await runOne(name));
  }
  const command = `npm run bench -- ${selected.join(" ")}`.trim();
  const report = render(results, command);
  console.log(`\n${report}`);
  if (write) updateBenchmarksFile(results);
}

/** Replaces the sections of the benchmarks just run in BENCHMARKS.md, keeping the others. */
function updateBenchmarksFile(results: BenchResult[]): void {
  const file = join(root, "BENCHMARKS.md");
  let existing: string;
  try {
    existing = readFileSync(file, "utf8");
  } catch {
    existing = "# Benchmarks\n\nFigures from `npm run bench -- --write`; each section names the command and date that produced it.\n";
  }
  for (const r of results) {
    const start = `<!-- bench:${r.name} -->`;
    const end = `<!-- /bench:${r.name} -->`;
    const section = `${start}\n${render([r], `npm run bench -- ${r.name}`)}\n${end}`;
    const i = existing.indexOf(start);
    const j = existing.indexOf(end);
    existing = i >= 0 && j > i ? existing.slice(0, i) + section + existing.slice(j + end.length) : `${existing.trimEnd()}\n\n${section}\n`;
  }
  writeFileSync(file, existing);
  console.log(`updated ${file}`);
}

await main();
