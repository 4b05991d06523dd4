/**
 * Fuzz targets over a real small table written by the engine into memory (three appends, a
 * checkpoint at version 2, one more append): its `_last_checkpoint`, its checkpoint Parquet file
 * or one of its data files is replaced by garbage, bit-flipped, truncated or spliced, and the
 * table is loaded (log objects) or the file read through the engine's Parquet handler (data files). A corrupt `_last_checkpoint` is only a hint: the read must be
 * the uncorrupted one or a typed refusal. A corrupt Parquet file must be refused typed or read as
 * well-formed data; a changed (but well-formed) read is allowed only where bytes were flipped,
 * overwritten or inserted, since Parquet pages carry no mandatory checksum.
 */
import { randomUUID } from "node:crypto";
import { type RecordBatch, Table } from "apache-arrow";
import fc from "fast-check";
import { createEngine } from "../../src/engine/index.js";
import { loadSnapshot } from "../../src/log/snapshot.js";
import { MemoryStore } from "../../src/storage/memory-store.js";
import { openStore } from "../../src/storage/open-store.js";
import { DeltaTable, writeDeltaTable } from "../../src/table/delta-table.js";
import { canonicalRows } from "../helpers/arrow-rows.js";
import { FuzzViolation, judge, type Outcome } from "./fuzz-core.js";

/** The uncorrupted table: every object's bytes, and what reading it gives. */
interface Fixture {
  objects: Map<string, Uint8Array>;
  checkpoint: string;
  dataFiles: string[];
  version: number;
  /** The active files' add actions, canonical JSON. */
  files: string;
  /** Each data file's rows, canonical JSON. */
  rows: Map<string, string>;
}

let fixture: Promise<Fixture> | undefined;

async function buildFixture(): Promise<Fixture> {
  const url = `memory://fuzz-${randomUUID()}/t`;
  const batch = (k: number) =>
    Array.from({ length: 40 }, (_, i) => ({
      id: BigInt(k * 100 + i),
      name: `n${k}-${i % 7}`,
      x: i / 4,
      flag: i % 3 === 0 ? null : i % 2 === 0,
    }));
  await writeDeltaTable(url, batch(0));
  let table = await DeltaTable.open(url);
  await table.write(batch(1));
  await table.write(batch(2));
  table = await table.refresh();
  await table.checkpoint();
  await table.write(batch(3));
  const source = await openStore(url);
  const objects = new Map<string, Uint8Array>();
  for await (const meta of source.list("")) objects.set(meta.path, await source.get(meta.path));
  const checkpoint = [...objects.keys()].find((p) => p.endsWith(".checkpoint.parquet"));
  if (!checkpoint || !objects.has("_delta_log/_last_checkpoint")) throw new Error("fixture: no checkpoint written");
  const dataFiles = [...objects.keys()].filter((p) => !p.startsWith("_delta_log/")).sort();
  const { version, files } = await loadFiles(objects);
  const store = await privateCopy(objects);
  const rows = new Map<string, string>();
  for (const path of dataFiles) rows.set(path, await readFile(store, path));
  return { objects, checkpoint, dataFiles, version, files, rows };
}

/** The fixture, built once per process. */
export function parquetFixture(): Promise<Fixture> {
  return (fixture ??= buildFixture());
}

async function privateCopy(objects: Map<string, Uint8Array>): Promise<MemoryStore> {
  const store = new MemoryStore();
  for (const [path, bytes] of objects) await store.put(path, bytes);
  return store;
}

/** Loads the snapshot of a private memory copy of `objects`: its version and active files. */
async function loadFiles(objects: Map<string, Uint8Array>): Promise<{ version: number; files: string }> {
  const snapshot = await loadSnapshot(createEngine(await privateCopy(objects)));
  const files: string[] = [];
  for (let i = 0; i < snapshot.files.length; i++) {
    const a = snapshot.files.addFile(i);
    files.push(JSON.stringify([a.path, a.size, a.partitionValues, a.stats ?? null, a.deletionVector ?? null]));
  }
  return { version: snapshot.version, files: JSON.stringify(files.sort()) };
}

/** One data file read through the engine's Parquet handler (footer, then every row). */
async function readFile(store: MemoryStore, path: string): Promise<string> {
  const engine = createEngine(store);
  const info = await engine.parquet.readInfo(store, path);
  const batches: RecordBatch[] = [];
  for await (const b of engine.parquet.read(store, path)) batches.push(b);
  const table = new Table(batches);
  if (table.numRows !== info.numRows) throw new FuzzViolation("data-file", `read ${table.numRows} rows, the footer says ${info.numRows}`);
  return JSON.stringify(canonicalRows(table).sort());
}

/** Ways to damage a binary file; offsets are taken modulo its size. */
export type ByteMutation =
  | { kind: "truncate"; at: number }
  | { kind: "bitflip"; flips: Array<[number, number]> }
  | { kind: "overwrite"; at: number; bytes: number[] }
  | { kind: "splice"; at: number; bytes: number[] }
  | { kind: "garbage"; bytes: number[] }
  | { kind: "tail"; keep: number };

const bytesArb = (max: number) => fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: max });

export const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("bitflip" as const),
    flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant("overwrite" as const), at: fc.nat(), bytes: bytesArb(16) }),
  fc.record({ kind: fc.constant("splice" as const), at: fc.nat(), bytes: bytesArb(16) }),
  fc.record({
    kind: fc.constant("garbage" as const),
    bytes: fc.oneof<fc.Arbitrary<number[]>[]>(
      bytesArb(64),
      fc.constantFrom([0x50, 0x41, 0x52, 0x31], [0x50, 0x41, 0x52, 0x31, 0, 0, 0, 0, 0x50, 0x41, 0x52, 0x31]),
    ),
  }),
  fc.record({ kind: fc.constant("tail" as const), keep: fc.nat() }),
);

/** `bytes` after `m`. */
export function damage(bytes: Uint8Array, m: ByteMutation): Uint8Array {
  const n = bytes.length;
  switch (m.kind) {
    case "truncate":
      return bytes.slice(0, m.at % n);
    case "bitflip": {
      const out = bytes.slice();
      for (const [at, bit] of m.flips) out[at % n]! ^= 1 << bit;
      return out;
    }
    case "overwrite": {
      const out = bytes.slice();
      m.bytes.forEach((b, i) => {
        if ((m.at % n) + i < n) out[(m.at % n) + i] = b;
      });
      return out;
    }
    case "splice": {
      const at = m.at % (n + 1);
      return Uint8Array.from([...bytes.slice(0, at), ...m.bytes, ...bytes.slice(at)]);
    }
    case "garbage":
      return Uint8Array.from(m.bytes);
    case "tail":
      return bytes.slice(n - (m.keep % n));
  }
}

/** Judges a damaged object: a typed refusal, the same read, or (damage in place only) a different well-formed read. */
async function judgeDamage(target: string, inPlace: boolean, read: () => Promise<boolean>): Promise<Outcome> {
  return judge(target, async () => {
    if (await read()) return "ok-same";
    if (!inPlace) throw new FuzzViolation(target, "a damaged file read as different content without an error");
    return "ok-changed";
  });
}

/** Loads the table with one log object replaced; the same version and files count as the same read. */
function loadDamaged(target: string, fx: Fixture, path: string, bytes: Uint8Array, inPlace: boolean): Promise<Outcome> {
  return judgeDamage(target, inPlace, async () => {
    const objects = new Map(fx.objects);
    objects.set(path, bytes);
    const got = await loadFiles(objects);
    if (got.version !== fx.version) throw new FuzzViolation(target, `loaded version ${got.version}, expected ${fx.version}`);
    return got.files === fx.files;
  });
}

export interface ParquetCase {
  file: number;
  mutation: ByteMutation;
}

export const parquetCase: fc.Arbitrary<ParquetCase> = fc.record({ file: fc.nat(), mutation: byteMutation });

/**
 * Damage that can change values undetectably: Parquet pages carry no mandatory checksum, so
 * flipped, overwritten or inserted bytes inside a page can decode as other values. Truncation,
 * a kept tail or garbage must never read as different data.
 */
const inPlace = (m: ByteMutation) => m.kind === "bitflip" || m.kind === "overwrite" || m.kind === "splice";

/** One data file damaged. */
export async function runDataFileCase(c: ParquetCase): Promise<Outcome> {
  const fx = await parquetFixture();
  const path = fx.dataFiles[c.file % fx.dataFiles.length]!;
  const bytes = damage(fx.objects.get(path)!, c.mutation);
  return judgeDamage("data-file", inPlace(c.mutation), async () => {
    const store = new MemoryStore();
    await store.put(path, bytes);
    return (await readFile(store, path)) === fx.rows.get(path);
  });
}

/** The checkpoint damaged. */
export async function runCheckpointCase(c: ParquetCase): Promise<Outcome> {
  const fx = await parquetFixture();
  return loadDamaged("checkpoint", fx, fx.checkpoint, damage(fx.objects.get(fx.checkpoint)!, c.mutation), inPlace(c.mutation));
}

/** A damaged `_last_checkpoint`: structured edits of its JSON, or raw byte damage. */
export type LastCheckpointCase =
  { kind: "field"; field: string; value: unknown } | { kind: "raw"; text: string } | { kind: "bytes"; mutation: ByteMutation };

const HINT_FIELDS = ["version", "size", "parts", "sizeInBytes", "numOfAddFiles", "checkpointSchema", "checksum", "tags", "v2Checkpoint"];

export const lastCheckpointCase: fc.Arbitrary<LastCheckpointCase> = fc.oneof(
  fc.record({
    kind: fc.constant("field" as const),
    field: fc.constantFrom(...HINT_FIELDS),
    value: fc.oneof(
      fc.constantFrom(-1, 0, 1, 2, 3, 4, 99, 1.5, 2 ** 53, 2 ** 64, 1e308, Number.MAX_SAFE_INTEGER, "2", "", null, true, [], {}, [2], {
        version: 2,
      }),
      fc.integer(),
      fc.string({ maxLength: 10 }),
    ),
  }),
  fc.record({
    kind: fc.constant("raw" as const),
    text: fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.json({ maxDepth: 2 }),
      fc.constantFrom(
        '{"version":1e400,"size":1}',
        '{"version":2,"parts":0,"size":1}',
        '{"version":2,"parts":99999999999,"size":1}',
        '{"version":-0}',
        "",
      ),
    ),
  }),
  fc.record({ kind: fc.constant("bytes" as const), mutation: byteMutation }),
);

/** `_last_checkpoint` damaged: the hint may only speed the read up, never change it. */
export async function runLastCheckpointCase(c: LastCheckpointCase): Promise<Outcome> {
  const fx = await parquetFixture();
  const path = "_delta_log/_last_checkpoint";
  const original = fx.objects.get(path)!;
  let bytes: Uint8Array;
  if (c.kind === "bytes") bytes = damage(original, c.mutation);
  else if (c.kind === "raw") bytes = new TextEncoder().encode(c.text);
  else {
    const hint = JSON.parse(new TextDecoder().decode(original)) as Record<string, unknown>;
    hint[c.field] = c.value;
    bytes = new TextEncoder().encode(JSON.stringify(hint));
  }
  return loadDamaged("last-checkpoint", fx, path, bytes, false);
}
