/**
 * Soak (benchmark, not CI): 8 processes mixing appends, overwrites, deletes, optimizes and reads
 * on one table on the S3 server (Ceph RADOS Gateway) for a configurable time (default 2 minutes:
 * `npm run bench -- soak`, `LAKELOG_SOAK_SECONDS=600 npm run bench -- soak`).
 *
 * Rows are `{writer, seq, batch, payload}`: `(writer, seq)` is unique; `batch` names the write
 * (`<writer>-<first seq>-<rows>`) and is also the commit's `userMetadata` (`append:` /
 * `overwrite:` prefix). A delete removes only its own process's older rows with `seq % 3 = 0`
 * (`writer = w AND seq < S AND seq % 3 = 0`), so deletes never depend on other writers' timing.
 *
 * Checked at the end against the log: versions contiguous; every row present exactly once (no
 * duplicate id, no row of a write that never committed); every row of a committed write present
 * unless a later overwrite, or a later delete of its writer matching it, may have removed it.
 * Checked by every read: no duplicate id, and no write seen in part (the rows of a write that no
 * delete can match are all there or all absent). Prints commits/s, conflicts by code and retries.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { loadavg } from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { startTestServers } from "../scripts/test-servers.js";
import { isLakelogError } from "../src/errors/base.js";
import type { Action, CommitInfo } from "../src/log/actions.js";
import { parseLogFile } from "../src/log/log-files.js";
import { parseActions } from "../src/log/parse-actions.js";
import { openStore } from "../src/storage/open-store.js";
import type { StorageOptions } from "../src/storage/options.js";
import { DeltaTable } from "../src/table/delta-table.js";
import { type Comparison, emit } from "./lib/measure.js";

const WRITERS = 8;
const SECONDS = Number(process.env.LAKELOG_SOAK_SECONDS ?? 120);

/** What one worker did. */
interface WorkerReport {
  ops: Record<string, { ok: number; failed: number }>;
  /** Typed failures by code (conflicts the worker gave up on after the library's own retries). */
  errors: Record<string, number>;
  /** Commit attempts of successful writes, summed; attempts beyond the first are retries. */
  attempts: number;
  commits: number;
  reads: number;
  readViolations: string[];
}

type Row = { writer: number; seq: bigint; batch: string };

/** What a read must never show: a duplicate id, or a write seen in part. */
function checkRead(rows: Row[]): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  const seen = new Map<string, number>();
  for (const r of rows) {
    const id = `${r.writer}-${r.seq}`;
    if (ids.has(id)) problems.push(`duplicate row ${id}`);
    ids.add(id);
    if (r.seq % 3n !== 0n) seen.set(r.batch, (seen.get(r.batch) ?? 0) + 1);
  }
  for (const [batch, n] of seen) {
    const [, from, count] = batch.split("-").map(Number) as [number, number, number];
    let undeletable = 0;
    for (let s = from; s < from + count; s++) if (s % 3 !== 0) undeletable++;
    if (n !== undeletable) problems.push(`write ${batch} seen in part: ${n} of its ${undeletable} undeletable rows`);
  }
  return problems;
}

async function readRows(table: DeltaTable): Promise<Row[]> {
  const t = await table.toArrow({ columns: ["writer", "seq", "batch"] });
  const writer = t.getChild("writer")!.toArray() as Int32Array;
  const seq = t.getChild("seq")!.toArray() as BigInt64Array;
  const batch = t.getChild("batch")!.toArray() as string[];
  return Array.from({ length: t.numRows }, (_, i) => ({ writer: writer[i]!, seq: seq[i]!, batch: batch[i]! }));
}

/** Opens the table, says `@@READY`, waits for the parent's start line (the deadline, epoch ms), then works until it. */
async function worker(url: string, id: number, options: StorageOptions): Promise<WorkerReport> {
  const report: WorkerReport = { ops: {}, errors: {}, attempts: 0, commits: 0, reads: 0, readViolations: [] };
  let table = await DeltaTable.open(url, { storage: options });
  process.stdout.write("@@READY\n");
  const deadline = Number((await createInterface({ input: process.stdin })[Symbol.asyncIterator]().next()).value);
  let seq = 0;
  while (Date.now() < deadline) {
    const r = Math.random();
    const op = r < 0.55 ? "append" : r < 0.6 ? "overwrite" : r < 0.7 ? "delete" : r < 0.75 ? "optimize" : "read";
    const stat = (report.ops[op] ??= { ok: 0, failed: 0 });
    try {
      table = await table.refresh();
      if (op === "append" || op === "overwrite") {
        const count = 20 + Math.floor(Math.random() * 200);
        const batch = `${id}-${seq}-${count}`;
        const rows = Array.from({ length: count }, (_, i) => ({ writer: id, seq: BigInt(seq + i), batch, payload: `p${Math.random()}` }));
        seq += count; // ids are never reused, whatever the outcome
        const result = await table.write(rows, { mode: op, userMetadata: `${op}:${batch}` });
        report.attempts += result.commit?.attempts ?? 1;
        report.commits++;
      } else if (op === "delete") {
        const result = await table.delete(`writer = ${id} AND seq < ${seq} AND seq % 3 = 0`);
        if (result.version !== undefined) report.commits++;
      } else if (op === "optimize") {
        const before = table.version;
        const result = await table.optimize();
        if (result.version !== before) report.commits++;
      } else {
        report.reads++;
        for (const p of checkRead(await readRows(table)))
          if (report.readViolations.length < 20) report.readViolations.push(`version ${table.version}: ${p}`);
      }
      stat.ok++;
    } catch (err) {
      if (!isLakelogError(err)) throw err;
      stat.failed++;
      report.errors[err.code] = (report.errors[err.code] ?? 0) + 1;
    }
  }
  return report;
}

/** The end-of-run check against the log. Returns the problems found and the version count. */
async function checkFinal(url: string, options: StorageOptions): Promise<{ problems: string[]; versions: number; rows: number }> {
  const store = await openStore(url, options);
  const commits = new Map<number, Action[]>();
  for await (const meta of store.list("_delta_log/")) {
    const file = parseLogFile(meta);
    if (file?.kind === "commit") commits.set(file.version, parseActions(await store.get(file.path), file.path));
  }
  await store.close?.();
  const problems: string[] = [];
  const versions = [...commits.keys()].sort((a, b) => a - b);
  if (versions.some((v, i) => v !== i))
    problems.push(`versions not contiguous: ${versions.length} commits, latest ${versions[versions.length - 1]}`);
  const batches = new Map<string, number>();
  const overwrites: number[] = [];
  const deletes: Array<{ version: number; writer: number; below: number }> = [];
  for (const [v, actions] of commits) {
    const info = actions.find((a): a is { commitInfo: CommitInfo } => "commitInfo" in a)?.commitInfo;
    const meta = String(info?.userMetadata ?? "").split(":");
    if (meta[0] === "append" || meta[0] === "overwrite") batches.set(meta[1]!, v);
    if (meta[0] === "overwrite") overwrites.push(v);
    // a delete is known by its predicate, as the log records it
    const predicate =
      info?.operation === "DELETE" ? /writer = (\d+) AND seq < (\d+)/.exec(String(info.operationParameters?.predicate)) : null;
    if (predicate) deletes.push({ version: v, writer: Number(predicate[1]), below: Number(predicate[2]) });
  }
  const table = await DeltaTable.open(url, { storage: options });
  const rows = await readRows(table);
  problems.push(...checkRead(rows).slice(0, 20));
  const present = new Set(rows.map((r) => `${r.writer}-${r.seq}`));
  for (const r of rows) if (!batches.has(r.batch)) problems.push(`row ${r.writer}-${r.seq} of write ${r.batch}, which never committed`);
  let missing = 0;
  for (const [batch, v] of batches) {
    const [writer, from, count] = batch.split("-").map(Number) as [number, number, number];
    const overwritten = overwrites.some((o) => o > v);
    for (let s = from; s < from + count; s++) {
      if (present.has(`${writer}-${s}`) || overwritten) continue;
      if (s % 3 === 0 && deletes.some((d) => d.version > v && d.writer === writer && s < d.below)) continue;
      if (missing++ < 20) problems.push(`row ${writer}-${s} of write ${batch} (version ${v}) is missing`);
    }
  }
  return { problems, versions: versions.length, rows: rows.length };
}

/** Starts a worker process: `ready` resolves once it has opened the table, `start(deadline)` releases it. */
function startWorker(
  url: string,
  id: number,
  options: StorageOptions,
): { ready: Promise<void>; start: (deadline: number) => void; done: Promise<WorkerReport> } {
  const script = fileURLToPath(import.meta.url);
  const proc = spawn(process.execPath, [...process.execArgv, script, "--worker", url, String(id), JSON.stringify(options)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  let out = "";
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  proc.stdout.setEncoding("utf8").on("data", (c: string) => {
    out += c;
    if (out.includes("@@READY")) markReady();
  });
  const done = new Promise<WorkerReport>((resolve, reject) =>
    proc.on("close", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("@@SOAK "));
      if (code !== 0 || !line) return reject(new Error(`soak worker ${id} failed (exit ${code})`));
      resolve(JSON.parse(line.slice(7)) as WorkerReport);
    }),
  );
  return { ready, start: (deadline) => proc.stdin.end(`${deadline}\n`), done };
}

async function main(): Promise<void> {
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(" / ");
  const servers = await startTestServers();
  const url = `${servers.s3.url}/soak-${randomUUID().slice(0, 8)}`;
  const options = servers.s3.options;
  try {
    await DeltaTable.create(url, {
      storage: options,
      schema: {
        type: "struct",
        fields: [
          ["writer", "integer"],
          ["seq", "long"],
          ["batch", "string"],
          ["payload", "string"],
        ].map(([name, type]) => ({ name: name!, type: type as "string", nullable: false, metadata: {} })),
      },
    });
    console.log(`  soak: ${WRITERS} processes for ${SECONDS} s on ${url}`);
    const workers = Array.from({ length: WRITERS }, (_, id) => startWorker(url, id, options));
    await Promise.all(workers.map((w) => w.ready));
    const started = Date.now();
    for (const w of workers) w.start(started + SECONDS * 1000);
    const reports = await Promise.all(workers.map((w) => w.done));
    const elapsed = (Date.now() - started) / 1000;
    const final = await checkFinal(url, options);
    const sum = (pick: (r: WorkerReport) => number) => reports.reduce((n, r) => n + pick(r), 0);
    const ops: Record<string, { ok: number; failed: number }> = {};
    const errors: Record<string, number> = {};
    for (const r of reports) {
      for (const [k, v] of Object.entries(r.ops)) ops[k] = { ok: (ops[k]?.ok ?? 0) + v.ok, failed: (ops[k]?.failed ?? 0) + v.failed };
      for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
    }
    const commits = final.versions - 1;
    const writes = sum((r) => (r.ops.append?.ok ?? 0) + (r.ops.overwrite?.ok ?? 0));
    const readViolations = reports.flatMap((r) => r.readViolations);
    const facts: Record<string, string | number> = {
      "duration (s)": elapsed.toFixed(1),
      "versions committed": commits,
      "commits/s": (commits / elapsed).toFixed(2),
      "operations (ok/failed)": Object.entries(ops)
        .map(([k, v]) => `${k} ${v.ok}/${v.failed}`)
        .join(", "),
      "typed failures by code (after the library's retries)":
        Object.entries(errors)
          .map(([k, v]) => `${k} ${v}`)
          .join(", ") || "none",
      "commit retries of successful appends/overwrites": `${sum((r) => r.attempts) - writes} over ${writes} writes`,
      "reads checked": sum((r) => r.reads),
      "read violations (partial state, duplicates)": readViolations.length,
      "final rows": final.rows,
      "final check problems": final.problems.length,
      "load average at start (1/5/15 min)": load,
    };
    for (const [k, v] of Object.entries(facts)) console.log(`  ${k}: ${v}`);
    for (const p of [...readViolations, ...final.problems].slice(0, 30)) console.log(`  PROBLEM ${p}`);
    const comparisons: Comparison[] = [];
    emit({ name: "soak", comparisons, facts });
    if (readViolations.length > 0 || final.problems.length > 0) process.exitCode = 1;
  } finally {
    await servers.stop();
  }
}

if (process.argv[2] === "--worker") {
  const [, , , url, id, options] = process.argv;
  const report = await worker(url!, Number(id), JSON.parse(options!) as StorageOptions);
  process.stdout.write(`\n@@SOAK ${JSON.stringify(report)}\n`);
} else {
  await main();
}
