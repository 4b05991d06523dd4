/**
 * Z-order: the order-preserving normalisation of each Arrow type, bit interleaving, and an
 * OPTIMIZE ... ZORDER BY through the facade that makes a filter on both columns skip most files.
 */
import { Bool, Float64, Int8, Int32, Int64, Utf8 } from "apache-arrow";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { ZOrderColumnError, ZOrderMemoryLimitError } from "../../../../src/errors/optimize-errors.js";
import { denseRanks, interleave, normalizeColumn, zOrderPermutation } from "../../../../src/ops/maintenance/zorder.js";
import { planScan } from "../../../../src/scan/scan-plan.js";
import type { StructField, StructType } from "../../../../src/schema/types.js";
import { CountingStore } from "../../../../src/storage/counting-store.js";
import { DeltaTable } from "../../../../src/table/delta-table.js";
import { canonicalRows } from "../../../helpers/arrow-rows.js";
import { rng } from "../../../helpers/rng.js";
import { arrowData, field, testBatch } from "../../../helpers/write-arrow.js";
import { expectRefusedCleanly, memoryUrl, removeTempDirs } from "../../../helpers/write-tables.js";

afterAll(removeTempDirs);

/** The order `normalizeColumn` gives `values` (positions, nulls first, ties by position). */
function normalizedOrder(type: Parameters<typeof arrowData>[0], values: readonly unknown[]): number[] {
  const n = normalizeColumn(arrowData(type, values), "c");
  const positions = values.map((_, i) => i);
  return positions.sort((a, b) => n.valid[a]! - n.valid[b]! || n.hi[a]! - n.hi[b]! || n.lo[a]! - n.lo[b]! || a - b);
}

describe("normalisation preserves order", () => {
  it.each([
    ["int32", new Int32(), [5, -3, 0, null, 2147483647, -2147483648, -1], [3, 5, 1, 6, 2, 0, 4]],
    ["int8", new Int8(), [1, -128, 127, -1, 0], [1, 3, 4, 0, 2]],
    ["int64", new Int64(), [10n, -(2n ** 62n), 0n, 2n ** 62n, -1n], [1, 4, 2, 0, 3]],
    ["float64", new Float64(), [1.5, -2.5, 0, -0.001, Infinity, -Infinity, null, 1e300], [6, 5, 1, 3, 2, 0, 7, 4]],
    ["utf8 (first 8 bytes)", new Utf8(), ["banana", "apple", "", "apples", null, "b"], [4, 2, 1, 3, 5, 0]],
    ["bool", new Bool(), [true, false, null, false], [2, 1, 3, 0]],
  ])("%s", (_name, type, values, expected) => {
    expect(normalizedOrder(type, values)).toEqual(expected);
  });

  it("gives strings equal in their first 8 bytes equal keys", () => {
    const n = normalizeColumn(arrowData(new Utf8(), ["abcdefgh-1", "abcdefgh-2"]), "c");
    expect([n.hi[0], n.lo[0]]).toEqual([n.hi[1], n.lo[1]]);
  });

  it("ranks nulls 0 and distinct values densely from 1", () => {
    const ranked = denseRanks(normalizeColumn(arrowData(new Int32(), [30, null, 10, 30, 20]), "c"));
    expect(Array.from(ranked.ranks)).toEqual([3, 0, 1, 3, 2]);
    expect(ranked.bits).toBe(2);
    expect(Array.from(denseRanks(normalizeColumn(arrowData(new Int32(), [30, 10, 20]), "c")).ranks)).toEqual([2, 0, 1]);
  });

  it("interleaves the bits of the columns, most significant first", () => {
    // x = 0b10, y = 0b01 -> x1 y1 x0 y0 = 1 0 0 1
    const keys = interleave(
      [
        { ranks: Uint32Array.of(2), bits: 2 },
        { ranks: Uint32Array.of(1), bits: 2 },
      ],
      2,
      1,
    );
    expect(keys[0]! >>> 28).toBe(0b1001);
  });

  it("orders a 4x4 grid along the Z curve", () => {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 4; x++) {
        xs.push(x);
        ys.push(y);
      }
    }
    const batch = testBatch([
      [field("x", new Int32()), xs],
      [field("y", new Int32()), ys],
    ]);
    const order = Array.from(zOrderPermutation(batch, ["x", "y"]));
    // key bits x1 y1 x0 y0: the quadrant x < 2, y < 2 comes first, then x < 2, y >= 2
    expect(order.slice(0, 4).map((i) => [xs[i], ys[i]])).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ]);
    expect(order.slice(4, 8).every((i) => xs[i]! < 2 && ys[i]! >= 2)).toBe(true);
    expect(order.slice(12).every((i) => xs[i]! >= 2 && ys[i]! >= 2)).toBe(true);
  });

  it("sorts like a stable comparison sort of the interleaved keys (ranks, then positions)", () => {
    // one column of few values (ties, nulls, digits equal in every row: skipped radix passes), two of any int32
    const wide = fc.option(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { nil: null });
    const rowsArb = fc.array(fc.tuple(fc.option(fc.integer({ min: -5, max: 5 }), { nil: null }), wide, wide), { maxLength: 300 });
    fc.assert(
      fc.property(rowsArb, (rows) => {
        const cols = [0, 1, 2].map((c) => rows.map((r): number | null => r[c] ?? null));
        const batch = testBatch(cols.map((values, c) => [field(`c${c}`, new Int32()), values] as const));
        const ranked = cols.map((values) => denseRanks(normalizeColumn(arrowData(new Int32(), values), "c")));
        // reference ranks: nulls first, then distinct values ascending
        for (const [c, values] of cols.entries()) {
          const distinct = [...new Set(values.filter((v): v is number => v !== null))].sort((a, b) => a - b);
          const offset = values.includes(null) ? 1 : 0;
          expect(Array.from(ranked[c]!.ranks)).toEqual(values.map((v) => (v === null ? 0 : distinct.indexOf(v) + offset)));
        }
        const width = Math.max(1, ...ranked.map((r) => r.bits));
        const keys = interleave(ranked, width, rows.length);
        const words = rows.length === 0 ? 0 : keys.length / rows.length;
        const reference = rows
          .map((_, i) => i)
          .sort((a, b) => {
            for (let k = 0; k < words; k++)
              if (keys[a * words + k] !== keys[b * words + k]) return keys[a * words + k]! - keys[b * words + k]!;
            return a - b;
          });
        expect(Array.from(zOrderPermutation(batch, ["c0", "c1", "c2"]))).toEqual(reference);
      }),
      { numRuns: 200 },
    );
  });
});

const f = (name: string, type: StructField["type"]): StructField => ({ name, type, nullable: true, metadata: {} });
const SCHEMA: StructType = { type: "struct", fields: [f("x", "integer"), f("y", "integer"), f("p", "string"), f("payload", "string")] };

/** 20 files of 500 random points each in [0, 1000)², all spread over the whole square. */
async function scatteredTable(): Promise<DeltaTable> {
  const table = await DeltaTable.create(memoryUrl("zorder"), { schema: SCHEMA, partitionBy: ["p"] });
  const random = rng(7);
  for (let file = 0; file < 20; file++) {
    const rows = Array.from({ length: 500 }, (_, i) => ({
      x: Math.floor(random() * 1000),
      y: Math.floor(random() * 1000),
      p: "one",
      payload: `f${file}-r${i}`,
    }));
    await table.write(rows);
  }
  return table.refresh();
}

const FILTER = "x < 100 AND y < 100";

/** Distinct data files a scan with {@link FILTER} actually reads from the store (table at its version). */
async function dataFilesRead(table: DeltaTable): Promise<number> {
  const counting = new CountingStore(table.store);
  const reader = await DeltaTable.open(table.url, { store: counting, version: table.version });
  counting.reset();
  await reader.toArrow({ filter: FILTER });
  return new Set(counting.gets.filter((path) => path.endsWith(".parquet"))).size;
}

describe("OPTIMIZE ZORDER BY", () => {
  it("makes a filter on both columns read far fewer files", async () => {
    const table = await scatteredTable();
    const before = canonicalRows(await table.toArrow());
    expect(planScan(table.snapshot, { filter: FILTER }).files).toHaveLength(20);
    expect(await dataFilesRead(table)).toBe(20);
    const size = Array.from(table.addActions()).reduce((n, a) => n + a.size, 0);
    const metrics = await table.optimize({ zOrderBy: ["x", "y"], targetSize: Math.ceil(size / 20) });
    expect(metrics).toMatchObject({ committed: true, numFilesRemoved: 20, preserveInsertionOrder: false, numRowsRewritten: 10_000 });
    const after = await table.refresh();
    expect(canonicalRows(await after.toArrow())).toEqual(before);
    const files = after.snapshot.files.length;
    const read = planScan(after.snapshot, { filter: FILTER }).files.length;
    expect(files).toBeGreaterThanOrEqual(8);
    expect(read).toBeLessThanOrEqual(Math.ceil(files / 4));
    expect(await dataFilesRead(after)).toBe(read);
    expect(canonicalRows(await after.toArrow({ filter: FILTER }))).toEqual(canonicalRows(await table.toArrow({ filter: FILTER })));
  });

  it.each([
    [["p"], "partition column"],
    [["nope"], "no such column"],
    [["x", "x"], "twice"],
  ])("refuses z-order columns %o typed", async (columns, reason) => {
    const table = await DeltaTable.create(memoryUrl("zorder-refuse"), { schema: SCHEMA, partitionBy: ["p"] });
    await table.write([{ x: 1, y: 2, p: "one", payload: "a" }]);
    const err = await expectRefusedCleanly(await table.refresh(), () => table.optimize({ zOrderBy: columns }), ZOrderColumnError);
    expect(err.message).toContain(reason);
  });

  it("refuses a partition above zOrderMemoryLimit, typed, and changes nothing", async () => {
    const table = await DeltaTable.create(memoryUrl("zorder-limit"), { schema: SCHEMA, partitionBy: ["p"] });
    for (let i = 0; i < 2; i++) await table.write([{ x: i, y: i, p: "one", payload: "a" }]);
    const fresh = await table.refresh();
    const err = await expectRefusedCleanly(
      fresh,
      () => fresh.optimize({ zOrderBy: ["x"], zOrderMemoryLimit: 100 }),
      ZOrderMemoryLimitError,
      { limit: 100 },
    );
    expect(err.partitionValues).toEqual({ p: "one" });
  });
});
