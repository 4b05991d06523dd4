/**
 * UPDATE through the facade: copy-on-write and deletion vectors, partitioned and not, on the
 * memory store and the local file system; values computed by expressions and type-checked;
 * NOT NULL and CHECK constraints; change data (pre/post images); the commit's shape; concurrency
 * (a conflicting change fails typed, a blind append does not).
 */
import { Field, Int32, Int64, makeData, RecordBatch, Schema, Struct, Table } from "apache-arrow";
import { afterAll, describe, expect, it } from "vitest";
import { createEngine } from "../../../../src/engine/index.js";
import { InvalidArgumentError } from "../../../../src/errors/argument-errors.js";
import { ConstraintViolationError, NullConstraintError } from "../../../../src/errors/constraint-errors.js";
import { ExpressionTypeError } from "../../../../src/errors/expression-errors.js";
import { CommitConflictError } from "../../../../src/errors/txn-errors.js";
import { loadSnapshot } from "../../../../src/log/snapshot.js";
import { updateRows } from "../../../../src/ops/row-level/update.js";
import type { StructField, StructType } from "../../../../src/schema/types.js";
import { MemoryStore } from "../../../../src/storage/memory-store.js";
import { DeltaTable } from "../../../../src/table/delta-table.js";
import { actionsOf, activePaths, removeTempDirs, tempTableDir } from "../../../helpers/write-tables.js";

afterAll(() => removeTempDirs());

const f = (name: string, type: StructField["type"], nullable = true): StructField => ({ name, type, nullable, metadata: {} });
const SCHEMA: StructType = { type: "struct", fields: [f("id", "long", false), f("p", "string"), f("v", "string"), f("n", "integer")] };
const rows = (p: string, from: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({ id: BigInt(from + i), p, v: `v${from + i}`, n: from + i }));

async function create(options: {
  partitioned: boolean;
  dv?: boolean;
  cdf?: boolean;
  local?: boolean;
  check?: string;
}): Promise<{ table: DeltaTable; store?: MemoryStore }> {
  const properties: Record<string, string> = {};
  if (options.dv) properties["delta.enableDeletionVectors"] = "true";
  if (options.cdf) properties["delta.enableChangeDataFeed"] = "true";
  if (options.check) properties["delta.constraints.ck"] = options.check;
  const store = options.local ? undefined : new MemoryStore();
  const url = store ? store.rootUrl : tempTableDir();
  let table = await DeltaTable.create(url, { schema: SCHEMA, partitionBy: options.partitioned ? ["p"] : [], properties, store });
  await table.write(rows("a", 0, 10));
  await table.write(rows("a", 10, 10));
  await table.write(rows("b", 20, 10));
  table = await table.refresh();
  return { table, store };
}

async function content(table: DeltaTable): Promise<string[]> {
  const t = await (await table.refresh()).toArrow();
  return Array.from({ length: t.numRows }, (_, i) => {
    const r = t.get(i)!;
    return `${r.id}/${r.p}/${r.v}/${r.n}`;
  }).sort();
}

const expected = (change: (r: ReturnType<typeof rows>[number]) => void) =>
  [...rows("a", 0, 20), ...rows("b", 20, 10)]
    .map((r) => {
      change(r);
      return `${r.id}/${r.p}/${r.v}/${r.n}`;
    })
    .sort();

describe.each([
  { partitioned: false, dv: false, local: false },
  { partitioned: true, dv: false, local: false },
  { partitioned: false, dv: true, local: false },
  { partitioned: true, dv: true, local: true },
])("update (%o)", (setup) => {
  it("sets computed values on matching rows only, touching only the file holding them", async () => {
    const { table } = await create(setup);
    const before = activePaths(table);
    const result = await table.update({ where: "id >= 12 AND id < 15", set: { v: "upper(v) || '!'", n: "n * 10" } });
    expect(result.version).toBe(4);
    expect(result.metrics).toMatchObject({
      numUpdatedRows: 3,
      numAddedFiles: 1,
      numRemovedFiles: setup.dv ? 0 : 1,
      numCopiedRows: setup.dv ? 0 : 7,
      numDeletionVectorsAdded: setup.dv ? 1 : 0,
    });
    expect(await content(table)).toEqual(
      expected((r) => {
        if (r.id >= 12n && r.id < 15n) {
          r.v = `${r.v.toUpperCase()}!`;
          r.n *= 10;
        }
      }),
    );
    const after = activePaths(await table.refresh());
    expect(before.filter((p) => !after.includes(p))).toHaveLength(setup.dv ? 0 : 1);
  });

  it("updates a partition column, moving rows to the other partition", async () => {
    const { table } = await create(setup);
    await table.update({ where: "id < 3", set: { p: "'b'" } });
    expect(await content(table)).toEqual(expected((r) => r.id < 3n && (r.p = "b")));
  });

  it("without a predicate updates every row", async () => {
    const { table } = await create(setup);
    const result = await table.update({ set: { n: 0 } });
    expect(result.metrics.numUpdatedRows).toBe(30);
    expect(await content(table)).toEqual(expected((r) => (r.n = 0)));
  });
});

describe("update commit and checks", () => {
  it("records operation UPDATE with the predicate and commits nothing when no row matches", async () => {
    const { table, store } = await create({ partitioned: false });
    await table.update({ where: "id = 3", set: { v: "'x'" } });
    const [info] = await actionsOf(store!, 4, "commitInfo");
    expect(info).toMatchObject({ operation: "UPDATE", operationParameters: { predicate: '["id = 3"]' }, readVersion: 3 });
    expect((info!.operationMetrics as Record<string, string>).numUpdatedRows).toBe("1");
    const none = await table.update({ where: "id = 999", set: { v: "'x'" } });
    expect(none.version).toBeUndefined();
  });

  it("refuses a value that cannot be stored in the column, typed, before writing anything", async () => {
    const { table } = await create({ partitioned: false });
    await expect(table.update({ where: "id = 3", set: { n: "v" } })).rejects.toBeInstanceOf(ExpressionTypeError);
    expect((await table.refresh()).version).toBe(3);
  });

  it("checks NOT NULL and CHECK constraints on the new rows", async () => {
    const { table } = await create({ partitioned: false, dv: true, check: "n < 1000" });
    await expect(table.update({ where: "id = 3", set: { id: null } })).rejects.toBeInstanceOf(NullConstraintError);
    await expect(table.update({ where: "id = 3", set: { n: "n + 5000" } })).rejects.toBeInstanceOf(ConstraintViolationError);
    expect((await table.refresh()).version).toBe(3);
  });

  it.each([false, true])("writes update_preimage and update_postimage change rows (dv: %s)", async (dv) => {
    const { table } = await create({ partitioned: true, dv, cdf: true });
    const result = await table.update({ where: "id = 5 OR id = 25", set: { v: "'new'" } });
    const batches: RecordBatch[] = [];
    for await (const b of (await table.refresh()).changes({ startingVersion: result.version! })) batches.push(b);
    const t = new Table(batches);
    const seen = Array.from({ length: t.numRows }, (_, i) => {
      const r = t.get(i)!;
      return `${r.id}/${r.p}/${r.v}:${r._change_type}`;
    }).sort();
    expect(seen).toEqual(["25/b/new:update_postimage", "25/b/v25:update_preimage", "5/a/new:update_postimage", "5/a/v5:update_preimage"]);
  });
});

describe("update under concurrency", () => {
  it("fails typed when a concurrent commit rewrote a file it updates", async () => {
    const { table, store } = await create({ partitioned: false });
    const engine = createEngine(store!);
    const stale = await loadSnapshot(engine);
    await table.delete("id = 11");
    await expect(updateRows({ engine }, stale, { where: "id = 12", set: { v: "'x'" } })).rejects.toBeInstanceOf(CommitConflictError);
    expect((await table.refresh()).version).toBe(4);
  });

  it("commits after a concurrent blind append", async () => {
    const { table, store } = await create({ partitioned: true, dv: true });
    const engine = createEngine(store!);
    const stale = await loadSnapshot(engine);
    await table.write(rows("a", 100, 2));
    const result = await updateRows({ engine }, stale, { where: "id = 12", set: { v: "'x'" } });
    expect(result.version).toBe(5);
    expect(await content(table)).toEqual([...expected((r) => r.id === 12n && (r.v = "x")), "100/a/v100/100", "101/a/v101/101"].sort());
  });
});

describe("update of struct, array and map columns", () => {
  const point = (): StructField["type"] => ({ type: "struct", fields: [f("x", "integer"), f("y", "integer")] });
  const NESTED: StructType = {
    type: "struct",
    fields: [
      f("id", "long", false),
      f("a", point()),
      f("b", point()),
      f("outer", { type: "struct", fields: [f("inner", point())] }),
      f("tags", { type: "array", elementType: "string", containsNull: true }),
      f("more", { type: "array", elementType: "string", containsNull: true }),
    ],
  };

  it("copies a column of the same shape whole, with the nulls of the structs around it; refuses an expression or another shape", async () => {
    const table = await DeltaTable.create(tempTableDir(), { schema: NESTED });
    await table.write([
      { id: 1n, a: { x: 1, y: 1 }, b: { x: 2, y: 3 }, outer: { inner: { x: 7, y: 8 } }, tags: ["a"], more: ["m", "n"] },
      { id: 2n, a: { x: 1, y: 1 }, b: null, outer: null, tags: null, more: ["k"] },
    ]);
    const latest = await table.refresh();
    await latest.update({ set: { a: "b", tags: "more" } });
    await (await latest.refresh()).update({ set: { b: "outer.inner" } });
    const read = (await (await latest.refresh()).toArrow()).toArray().map((r) => r.toJSON() as Record<string, { toJSON?: () => unknown }>);
    const plain = (v: unknown) => (v && typeof v === "object" && "toJSON" in v ? (v as { toJSON(): unknown }).toJSON() : v);
    const byId = Object.fromEntries(read.map((r) => [String(r.id), Object.fromEntries(Object.entries(r).map(([k, v]) => [k, plain(v)]))]));
    expect(byId["1"]).toMatchObject({ a: { x: 2, y: 3 }, b: { x: 7, y: 8 }, tags: ["m", "n"] });
    // row 2: b was NULL, and outer.inner is NULL because outer is
    expect(byId["2"]).toMatchObject({ a: null, b: null, tags: ["k"] });
    const version = (await latest.refresh()).version;
    await expect(latest.update({ set: { a: "id" } })).rejects.toThrow(/set\.a.*id of type long.*struct<x: integer, y: integer> to copy/);
    await expect(latest.update({ set: { tags: "'x'" } })).rejects.toBeInstanceOf(InvalidArgumentError);
    expect((await latest.refresh()).version).toBe(version);
  });

  it("a merge copy of a field inside a NULL source struct is NULL, whatever the struct's child buffers hold", async () => {
    const table = await DeltaTable.create(tempTableDir(), { schema: NESTED });
    await table.write([
      { id: 1n, a: { x: 1, y: 1 } },
      { id: 2n, a: { x: 2, y: 2 } },
    ]);
    // an Arrow source whose `outer` is NULL in row 2 while its child `inner` holds a value there
    const pointType = new Struct([new Field("x", new Int32(), true), new Field("y", new Int32(), true)]);
    const inner = makeData({
      type: pointType,
      length: 2,
      nullCount: 0,
      children: [
        makeData({ type: new Int32(), length: 2, data: Int32Array.of(5, 6) }),
        makeData({ type: new Int32(), length: 2, data: Int32Array.of(5, 6) }),
      ],
    });
    const outerType = new Struct([new Field("inner", pointType, true)]);
    const outer = makeData({ type: outerType, length: 2, nullCount: 1, nullBitmap: Uint8Array.of(0b01), children: [inner] });
    const ids = makeData({ type: new Int64(), length: 2, data: BigInt64Array.of(1n, 2n) });
    const schema = new Schema([new Field("id", new Int64(), false), new Field("outer", outerType, true)]);
    const source = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 2, nullCount: 0, children: [ids, outer] }));
    await (
      await table.refresh()
    )
      .merge(source, { on: "target.id = source.id" })
      .whenMatchedUpdate({ set: { a: "source.outer.inner" } })
      .execute();
    const rows = (await (await table.refresh()).toArrow({ columns: ["id", "a"] })).toArray();
    const a = Object.fromEntries(rows.map((r) => [String(r.id), r.a === null ? null : r.a.toJSON()]));
    expect(a).toEqual({ "1": { x: 5, y: 5 }, "2": null });
  });
});
