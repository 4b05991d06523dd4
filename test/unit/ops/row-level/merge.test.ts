/**
 * MERGE through the facade: upserts with copy-on-write and deletion vectors, partitioned and not,
 * on the memory store and the local file system; clause order and conditions; not-matched-by-source
 * clauses; the cardinality error; file pruning from the source's keys; change data; the commit's
 * shape; the source memory limit; concurrency (a conflicting change fails typed, a blind append
 * does not).
 */
import { Table, type RecordBatch } from "apache-arrow";
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { createEngine } from "../../../../src/engine/index.js";
import { MergeCardinalityError, MergeSourceTooLargeError } from "../../../../src/errors/merge-errors.js";
import { CommitConflictError } from "../../../../src/errors/txn-errors.js";
import { loadSnapshot } from "../../../../src/log/snapshot.js";
import { mergeRows } from "../../../../src/ops/row-level/merge.js";
import type { StructField, StructType } from "../../../../src/schema/types.js";
import { CountingStore } from "../../../../src/storage/counting-store.js";
import { MemoryStore } from "../../../../src/storage/memory-store.js";
import { DeltaTable } from "../../../../src/table/delta-table.js";
import { actionsOf, removeTempDirs, tempTableDir } from "../../../helpers/write-tables.js";

afterAll(() => removeTempDirs());

const f = (name: string, type: StructField["type"], nullable = true): StructField => ({ name, type, nullable, metadata: {} });
const SCHEMA: StructType = { type: "struct", fields: [f("id", "long", false), f("p", "string"), f("v", "string"), f("n", "integer")] };
type Row = { id: bigint; p: string; v: string | null; n: number | null };
const rows = (p: string, from: number, count: number): Row[] =>
  Array.from({ length: count }, (_, i) => ({ id: BigInt(from + i), p, v: `v${from + i}`, n: from + i }));

async function create(options: {
  partitioned: boolean;
  dv?: boolean;
  cdf?: boolean;
  local?: boolean;
}): Promise<{ table: DeltaTable; store?: MemoryStore }> {
  const properties: Record<string, string> = {};
  if (options.dv) properties["delta.enableDeletionVectors"] = "true";
  if (options.cdf) properties["delta.enableChangeDataFeed"] = "true";
  const store = options.local ? undefined : new MemoryStore();
  let table = await DeltaTable.create(store ? store.rootUrl : tempTableDir(), {
    schema: SCHEMA,
    partitionBy: options.partitioned ? ["p"] : [],
    properties,
    store,
  });
  await table.write(rows("a", 0, 10));
  await table.write(rows("a", 10, 10));
  await table.write(rows("b", 20, 10));
  table = await table.refresh();
  return { table, store };
}

const text = (r: Row) => `${r.id}/${r.p}/${r.v}/${r.n}`;
async function content(table: DeltaTable): Promise<string[]> {
  const t = await (await table.refresh()).toArrow();
  return Array.from({ length: t.numRows }, (_, i) => text(t.get(i)!.toJSON() as Row)).sort();
}
const initial = () => [...rows("a", 0, 20), ...rows("b", 20, 10)];

describe.each([
  { partitioned: false, dv: false, local: false },
  { partitioned: true, dv: false, local: false },
  { partitioned: false, dv: true, local: false },
  { partitioned: true, dv: true, local: true },
])("merge (%o)", (setup) => {
  it("upserts: updates matched rows, inserts the others, touching only the file with matches", async () => {
    const { table } = await create(setup);
    const source = [
      { id: 12n, p: "a", v: "new12", n: 1 },
      { id: 40n, p: "b", v: "new40", n: 2 },
    ];
    const result = await table.merge(source, { on: "target.id = source.id" }).whenMatchedUpdateAll().whenNotMatchedInsertAll().execute();
    expect(result.metrics).toMatchObject({
      numSourceRows: 2,
      numTargetRowsInserted: 1,
      numTargetRowsUpdated: 1,
      numTargetRowsDeleted: 0,
      numTargetRowsCopied: setup.dv ? 0 : 9,
    });
    expect(result.metrics.numTargetFilesRemoved).toBe(setup.dv ? 0 : 1);
    expect(result.metrics.numTargetDeletionVectorsAdded).toBe(setup.dv ? 1 : 0);
    const want = initial().map((r) => (r.id === 12n ? { ...r, v: "new12", n: 1 } : r));
    want.push({ id: 40n, p: "b", v: "new40", n: 2 });
    expect(await content(table)).toEqual(want.map(text).sort());
  });

  it("applies clauses in order (first TRUE wins), deletes, and not-matched-by-source clauses", async () => {
    const { table } = await create(setup);
    const source = [
      { id: 1n, v: "x" },
      { id: 2n, v: "del" },
      { id: 50n, v: "skip" },
      { id: 51n, v: "ins" },
    ];
    await table
      .merge(source, { on: "t.id = s.id", sourceAlias: "s", targetAlias: "t" })
      .whenMatchedDelete({ where: "s.v = 'del'" })
      .whenMatchedUpdate({ set: { v: "s.v || t.v", n: "t.n + 100" } })
      .whenNotMatchedInsert({ values: { id: "s.id", p: "'c'", v: "upper(s.v)" }, where: "s.v != 'skip'" })
      .whenNotMatchedBySourceUpdate({ set: { n: 0 }, where: "t.id >= 25" })
      .whenNotMatchedBySourceDelete({ where: "t.id < 5" })
      .execute();
    const want: Row[] = [];
    for (const r of initial()) {
      if (r.id === 2n) continue;
      if (r.id === 1n) want.push({ ...r, v: "xv1", n: 101 });
      else if (r.id >= 25n) want.push({ ...r, n: 0 });
      else if (r.id < 5n) continue;
      else want.push(r);
    }
    want.push({ id: 51n, p: "c", v: "INS", n: null });
    expect(await content(table)).toEqual(want.map(text).sort());
  });
});

describe("merge checks and commit", () => {
  it("fails typed with the key when several source rows match one target row", async () => {
    const { table } = await create({ partitioned: false });
    const source = [
      { id: 3n, v: "a" },
      { id: 3n, v: "b" },
    ];
    const err = await table
      .merge(source, { on: "target.id = source.id" })
      .whenMatchedUpdate({ set: { v: "source.v" } })
      .execute()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MergeCardinalityError);
    expect((err as MergeCardinalityError).key).toBe("id=3");
    expect((await table.refresh()).version).toBe(3);
  });

  it("reads only the candidate files and records MERGE with Spark's parameters", async () => {
    const { store } = await create({ partitioned: false });
    const counting = new CountingStore(store!);
    const table = await DeltaTable.open(store!.rootUrl, { store: counting });
    counting.gets.length = 0;
    const result = await table
      .merge([{ id: 25n, p: "b", v: "z", n: 0 }], { on: "target.id = source.id" })
      .whenMatchedUpdateAll()
      .execute();
    expect(counting.gets.filter((k) => !k.startsWith("_delta_log/") && k.endsWith(".parquet"))).toHaveLength(1);
    const [info] = await actionsOf(store!, result.version!, "commitInfo");
    expect(info).toMatchObject({
      operation: "MERGE",
      operationParameters: {
        predicate: '["target.id = source.id"]',
        matchedPredicates: '[{"actionType":"update"}]',
        notMatchedPredicates: "[]",
        notMatchedBySourcePredicates: "[]",
      },
    });
    expect((info!.operationMetrics as Record<string, string>).numTargetRowsUpdated).toBe("1");
  });

  it("refuses a source above maxSourceBytes, typed", async () => {
    const { table } = await create({ partitioned: false });
    const source = rows("a", 100, 200);
    await expect(
      table.merge(source, { on: "target.id = source.id", maxSourceBytes: 1000 }).whenNotMatchedInsertAll().execute(),
    ).rejects.toBeInstanceOf(MergeSourceTooLargeError);
  });

  it.each([false, true])("writes insert, update and delete change rows (dv: %s)", async (dv) => {
    const { table } = await create({ partitioned: true, dv, cdf: true });
    const source = [
      { id: 5n, p: "a", v: "u", n: 5 },
      { id: 25n, p: "b", v: "d", n: 25 },
      { id: 60n, p: "b", v: "i", n: 60 },
    ];
    const result = await table
      .merge(source, { on: "target.id = source.id" })
      .whenMatchedDelete({ where: "source.v = 'd'" })
      .whenMatchedUpdateAll()
      .whenNotMatchedInsertAll()
      .execute();
    const batches: RecordBatch[] = [];
    for await (const b of (await table.refresh()).changes({ startingVersion: result.version! })) batches.push(b);
    const t = new Table(batches);
    const seen = Array.from({ length: t.numRows }, (_, i) => `${t.get(i)!.id}/${t.get(i)!.v}:${t.get(i)!._change_type}`).sort();
    expect(seen).toEqual(["25/v25:delete", "5/u:update_postimage", "5/v5:update_preimage", "60/i:insert"]);
  });
});

describe("merge schema evolution", () => {
  it.each([false, true])("with schemaMode 'merge' adds the source's new column for updateAll/insertAll (dv: %s)", async (dv) => {
    const { table } = await create({ partitioned: true, dv });
    const source = [
      { id: 3n, p: "a", v: "u", n: 3, extra: "e3" },
      { id: 70n, p: "b", v: "i", n: 70, extra: "e70" },
    ];
    const result = await table
      .merge(source, { on: "target.id = source.id", schemaMode: "merge" })
      .whenMatchedUpdateAll()
      .whenNotMatchedInsertAll()
      .execute();
    expect(result.metrics).toMatchObject({ numTargetRowsUpdated: 1, numTargetRowsInserted: 1 });
    const after = await table.refresh();
    expect(after.schema.fields.map((f) => f.name)).toEqual(["id", "p", "v", "n", "extra"]);
    const t = await after.toArrow();
    const seen = Array.from({ length: t.numRows }, (_, i) => `${t.get(i)!.id}/${t.get(i)!.v}/${t.get(i)!.extra}`).sort();
    expect(seen).toContain("3/u/e3");
    expect(seen).toContain("70/i/e70");
    expect(seen).toContain("4/v4/null");
    expect(seen).toHaveLength(31);
  });

  it("without schemaMode keeps the target schema and ignores the new column", async () => {
    const { table } = await create({ partitioned: false });
    await table
      .merge([{ id: 3n, p: "a", v: "u", n: 3, extra: "e3" }], { on: "target.id = source.id" })
      .whenMatchedUpdateAll()
      .execute();
    expect((await table.refresh()).schema.fields.map((f) => f.name)).toEqual(["id", "p", "v", "n"]);
  });
});

describe("merge under concurrency", () => {
  it("fails typed when a concurrent commit changed a file it merges into", async () => {
    const { table, store } = await create({ partitioned: false });
    const engine = createEngine(store!);
    const stale = await loadSnapshot(engine);
    await table.delete("id = 11");
    const clauses = [{ when: "matched", action: "update", all: true }] as const;
    await expect(
      mergeRows({ engine }, stale, [{ id: 12n, p: "a", v: "x", n: 0 }], { on: "target.id = source.id" }, clauses),
    ).rejects.toBeInstanceOf(CommitConflictError);
  });

  it("commits after a concurrent blind append outside its keys", async () => {
    const { table, store } = await create({ partitioned: true, dv: true });
    const engine = createEngine(store!);
    const stale = await loadSnapshot(engine);
    await table.write(rows("b", 100, 2));
    const clauses = [{ when: "matched", action: "update", all: true }] as const;
    const result = await mergeRows({ engine }, stale, [{ id: 12n, p: "a", v: "x", n: 0 }], { on: "target.id = source.id" }, clauses);
    expect(result.version).toBe(5);
    const want = [...initial(), ...rows("b", 100, 2)].map((r) => (r.id === 12n ? { ...r, v: "x", n: 0 } : r));
    expect(await content(table)).toEqual(want.map(text).sort());
  });
});

describe("merge with more source keys than the pruning predicate lists", () => {
  it("reads only the key column of a candidate file that no source key matches", async () => {
    const store = new MemoryStore();
    const counting = new CountingStore(store);
    let table = await DeltaTable.create(store.rootUrl, { schema: SCHEMA, store: counting });
    // even ids in one file, odd ids in the other: both files' id ranges hold every source key
    const wide = (id: number): Row => ({ id: BigInt(id), p: "a", v: randomBytes(500).toString("hex"), n: id });
    await table.write(Array.from({ length: 1000 }, (_, i) => wide(2 * i)));
    await table.write(Array.from({ length: 1000 }, (_, i) => wide(2 * i + 1)));
    table = await table.refresh();
    const [even, odd] = [...table.addActions()].map((a) => a.path);
    counting.reset();
    const source = Array.from({ length: 100 }, (_, i) => ({ id: BigInt(4 * i), p: "a", v: "new", n: -1 }));
    const result = await table.merge(source, { on: "target.id = source.id" }).whenMatchedUpdateAll().execute();
    expect(result.metrics).toMatchObject({ numTargetRowsUpdated: 100, numTargetFilesRemoved: 1, numTargetFilesAdded: 1 });
    const read = counting.reset().bytesRead;
    const [evenSize, oddSize] = await Promise.all([even!, odd!].map(async (p) => (await store.get(p)).byteLength));
    // the even file is read whole (it is rewritten), the odd one only for its footer and ids
    expect(read).toBeLessThan(evenSize! + oddSize! / 2);
    const after = await (await table.refresh()).toArrow({ columns: ["id", "v"] });
    const updated = Array.from({ length: after.numRows }, (_, i) => after.get(i)!).filter((r) => r.v === "new");
    expect(after.numRows).toBe(2000);
    expect(updated.map((r) => Number(r.id)).sort((a, b) => a - b)).toEqual(source.map((r) => Number(r.id)));
  });
});
