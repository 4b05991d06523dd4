/**
 * Vacuum dry-run throughput: a full-mode dry run (which lists every object under the table root
 * and decides each one) over a table holding 100k orphan objects in 100 partition folders, on the
 * local store and on the S3 server (Ceph RGW), in objects/s, against a raw listing of the same
 * prefix in the same run (`fs.readdir` recursive / `ListObjectsV2` pages). The objects are created
 * in parallel with raw calls; on S3 the count drops to 20k when a sample shows 100k would take
 * longer than {@link S3_CREATE_BUDGET_S}.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import * as fs from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { startTestServers, type CloudTarget } from "../scripts/test-servers.js";
import { createEngine } from "../src/engine/index.js";
import { loadSnapshot } from "../src/log/snapshot.js";
import { vacuumTable, type VacuumResult } from "../src/ops/maintenance/vacuum.js";
import { openStore } from "../src/storage/open-store.js";
import type { ObjectStore } from "../src/storage/store.js";
import { DeltaTable } from "../src/table/delta-table.js";
import { forEachConcurrent } from "../src/util/concurrency.js";
import { emit, medianMs, type Comparison } from "./lib/measure.js";
import { rawS3Client } from "./lib/s3-client.js";

const OBJECTS = 100_000;
const S3_FALLBACK_OBJECTS = 20_000;
const S3_CREATE_BUDGET_S = 300;
const PARTITIONS = 100;
const DAY = 24 * 3600_000;
const SCHEMA = { type: "struct" as const, fields: [{ name: "id", type: "long" as const, nullable: true, metadata: {} }] };

const keyOf = (i: number) => `part=${i % PARTITIONS}/orphan-${String(i).padStart(7, "0")}.parquet`;

/** A full dry run with the clock 8 days on, so every orphan qualifies; returns the result of the last run and the median ms. */
async function timeDryRun(store: ObjectStore, repeats: number): Promise<{ ms: number; result: VacuumResult }> {
  const engine = createEngine(store, { clock: { now: () => Date.now() + 8 * DAY } });
  let result: VacuumResult | undefined;
  const ms = await medianMs(async () => {
    result = await vacuumTable(engine, await loadSnapshot(engine), { mode: "full" });
  }, repeats);
  return { ms, result: result! };
}

async function local(facts: Record<string, string | number>): Promise<Comparison[]> {
  const dir = mkdtempSync(join(tmpdir(), "lakelog-bench-vacuum-"));
  try {
    const root = join(dir, "table");
    await DeltaTable.create(root, { schema: SCHEMA });
    for (let p = 0; p < PARTITIONS; p++) await fs.mkdir(join(root, `part=${p}`), { recursive: true });
    const payload = new Uint8Array(16);
    const createStart = performance.now();
    await forEachConcurrent(
      Array.from({ length: OBJECTS }, (_, i) => i),
      64,
      (i) => fs.writeFile(join(root, keyOf(i)), payload),
    );
    facts["local: create 100k objects (fs.writeFile, 64 in flight)"] = `${((performance.now() - createStart) / 1000).toFixed(1)} s`;
    const table = await DeltaTable.open(root);
    const ours = await timeDryRun(table.store, 3);
    if (ours.result.filesDeleted.length !== OBJECTS)
      throw new Error(`local dry run found ${ours.result.filesDeleted.length} of ${OBJECTS}`);
    let listed = 0;
    const raw = await medianMs(async () => {
      const entries = await fs.readdir(root, { recursive: true, withFileTypes: true });
      listed = entries.filter((e) => e.isFile()).length;
    }, 3);
    facts["local: objects listed by the dry run / by readdir"] = `${ours.result.filesExamined} / ${listed}`;
    // what knowing each file's age costs at least: readdir plus a stat of every file, 64 in flight
    const withStat = await medianMs(async () => {
      const entries = await fs.readdir(root, { recursive: true, withFileTypes: true });
      await forEachConcurrent(
        entries.filter((e) => e.isFile()),
        64,
        async (e) => void (await fs.stat(join(e.parentPath, e.name))),
      );
    }, 3);
    facts["local: fs.readdir recursive + fs.stat of every file (64 in flight)"] = `${(listed / (withStat / 1000)).toFixed(0)} objects/s`;
    return [
      {
        metric: "local: full vacuum dry run over 100k objects",
        unit: "objects/s",
        ours: ours.result.filesExamined / (ours.ms / 1000),
        peer: listed / (raw / 1000),
        peerName: "fs.readdir recursive (names only)",
        higherIsBetter: true,
        note: "lakelog also stats each file (its mtime decides retention), reads the log and checks references",
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Creates objects `from..to-1` with raw PutObject, 64 in flight. */
async function putRange(s3: ReturnType<typeof rawS3Client>, root: string, from: number, to: number): Promise<void> {
  const body = new Uint8Array(16);
  const indexes = Array.from({ length: to - from }, (_, i) => from + i);
  await forEachConcurrent(
    indexes,
    64,
    async (i) => void (await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `${root}/${keyOf(i)}`, Body: body }))),
  );
}

async function s3(target: CloudTarget, facts: Record<string, string | number>): Promise<Comparison[]> {
  const url = `${target.url}/bench-vacuum-${randomUUID().slice(0, 8)}`;
  const s3 = rawS3Client({ ...target, url });
  const root = s3.prefix;
  const table = await DeltaTable.create(url, { schema: SCHEMA, storage: target.options });
  try {
    const sample = 2000;
    const sampleStart = performance.now();
    await putRange(s3, root, 0, sample);
    const perObject = (performance.now() - sampleStart) / sample;
    const projected = (perObject * OBJECTS) / 1000;
    const count = projected > S3_CREATE_BUDGET_S ? S3_FALLBACK_OBJECTS : OBJECTS;
    facts["s3: create rate (PutObject, 64 in flight)"] =
      `${(1000 / perObject).toFixed(0)} objects/s (100k projected ${projected.toFixed(0)} s; budget ${S3_CREATE_BUDGET_S} s)`;
    facts["s3: objects"] = count;
    await putRange(s3, root, sample, count);
    const ours = await timeDryRun(table.store, 3);
    if (ours.result.filesDeleted.length !== count) throw new Error(`s3 dry run found ${ours.result.filesDeleted.length} of ${count}`);
    let listed = 0;
    const raw = await medianMs(async () => {
      listed = 0;
      let token: string | undefined;
      do {
        const page = await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${root}/`, ContinuationToken: token }));
        listed += page.KeyCount ?? 0;
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    }, 3);
    facts["s3: objects listed by the dry run / by ListObjectsV2"] = `${ours.result.filesExamined} / ${listed}`;
    return [
      {
        metric: `s3 (Ceph RGW): full vacuum dry run over ${count / 1000}k objects`,
        unit: "objects/s",
        ours: ours.result.filesExamined / (ours.ms / 1000),
        peer: listed / (raw / 1000),
        peerName: "ListObjectsV2 pages of the same prefix",
        higherIsBetter: true,
      },
    ];
  } finally {
    const store = await openStore(url, target.options);
    const paths: string[] = [];
    for await (const meta of store.list("")) paths.push(meta.path);
    await store.deleteMany(paths);
    await store.close?.();
    await table.store.close?.();
    s3.client.destroy();
  }
}

async function main(): Promise<void> {
  const facts: Record<string, string | number> = {};
  const comparisons: Comparison[] = [];
  console.log("  local: 100k objects");
  comparisons.push(...(await local(facts)));
  const servers = await startTestServers();
  try {
    console.log("  s3 (Ceph RGW)");
    comparisons.push(...(await s3(servers.s3, facts)));
  } finally {
    await servers.stop();
  }
  facts["lakelog API"] =
    "vacuumTable(engine with the clock 8 days ahead, latest snapshot, { mode: 'full' }) (a dry run: lists, decides, deletes nothing); median of 3";
  emit({ name: "vacuum", comparisons, facts });
}

await main();
