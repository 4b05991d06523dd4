/**
 * Property: random short sequences of appends, deletes, updates and merges on a small table
 * (partitioned or not, with or without deletion vectors, change data feed on) leave the table's
 * rows equal to the same operations applied to a plain in-memory model (an array of rows), and
 * the change feed of every version after creation equal to the model's recorded changes.
 */
import { Table, type RecordBatch } from "apache-arrow";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { StructField, StructType } from "../../../../src/schema/types.js";
import { MemoryStore } from "../../../../src/storage/memory-store.js";
import { DeltaTable } from "../../../../src/table/delta-table.js";

const f = (name: string, type: StructField["type"]): StructField => ({ name, type, nullable: true, metadata: {} });
const SCHEMA: StructType = { type: "struct", fields: [f("id", "long"), f("p", "string"), f("n", "integer")] };
type Row = { id: bigint; p: string; n: number };

type Op =
  | { kind: "append"; ids: number[]; p: string }
  | { kind: "delete"; below: number }
  | { kind: "update"; below: number; add: number }
  | { kind: "merge"; ids: number[]; n: number; deleteOdd: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("append" as const),
    ids: fc.uniqueArray(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 5 }),
    p: fc.constantFrom("a", "b"),
  }),
  fc.record({ kind: fc.constant("delete" as const), below: fc.integer({ min: 0, max: 30 }) }),
  fc.record({ kind: fc.constant("update" as const), below: fc.integer({ min: 0, max: 30 }), add: fc.integer({ min: 1, max: 5 }) }),
  fc.record({
    kind: fc.constant("merge" as const),
    ids: fc.uniqueArray(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 4 }),
    n: fc.integer({ min: 0, max: 9 }),
    deleteOdd: fc.boolean(),
  }),
);

const key = (r: Row, type?: string) => `${r.id}/${r.p}/${r.n}${type ? `:${type}` : ""}`;

/** Applies `op` to the model; returns the change rows it records (none for an unchanged table). */
function applyModel(model: Row[], op: Op): { rows: Row[]; changes: string[] } {
  const changes: string[] = [];
  switch (op.kind) {
    case "append": {
      const added = op.ids.map((id) => ({ id: BigInt(id), p: op.p, n: id }));
      added.forEach((r) => changes.push(key(r, "insert")));
      return { rows: [...model, ...added], changes };
    }
    case "delete":
      model.filter((r) => r.id < BigInt(op.below)).forEach((r) => changes.push(key(r, "delete")));
      return { rows: model.filter((r) => !(r.id < BigInt(op.below))), changes };
    case "update":
      return {
        rows: model.map((r) => {
          if (!(r.id < BigInt(op.below))) return r;
          const after = { ...r, n: r.n + op.add };
          changes.push(key(r, "update_preimage"), key(after, "update_postimage"));
          return after;
        }),
        changes,
      };
    case "merge": {
      const out: Row[] = [];
      const ids = new Set(op.ids.map(BigInt));
      const matched = new Set<bigint>();
      for (const r of model) {
        if (!ids.has(r.id)) out.push(r);
        else if (op.deleteOdd && r.id % 2n === 1n) {
          matched.add(r.id);
          changes.push(key(r, "delete"));
        } else {
          matched.add(r.id);
          const after = { ...r, n: op.n };
          changes.push(key(r, "update_preimage"), key(after, "update_postimage"));
          out.push(after);
        }
      }
      for (const id of op.ids.map(BigInt)) {
        if (matched.has(id)) continue;
        const r = { id, p: "b", n: op.n };
        changes.push(key(r, "insert"));
        out.push(r);
      }
      return { rows: out, changes };
    }
  }
}

async function applyTable(table: DeltaTable, op: Op): Promise<void> {
  switch (op.kind) {
    case "append":
      await table.write(op.ids.map((id) => ({ id: BigInt(id), p: op.p, n: id })));
      return;
    case "delete":
      await table.delete(`id < ${op.below}`);
      return;
    case "update":
      await table.update({ where: `id < ${op.below}`, set: { n: `n + ${op.add}` } });
      return;
    case "merge": {
      let builder = table.merge(
        op.ids.map((id) => ({ id: BigInt(id), p: "b", n: op.n })),
        { on: "target.id = source.id" },
      );
      if (op.deleteOdd) builder = builder.whenMatchedDelete({ where: "target.id % 2 = 1" });
      await builder
        .whenMatchedUpdate({ set: { n: "source.n" } })
        .whenNotMatchedInsertAll()
        .execute();
      return;
    }
  }
}

async function collect(iterable: AsyncIterable<RecordBatch>, withType: boolean): Promise<string[]> {
  const batches: RecordBatch[] = [];
  for await (const b of iterable) batches.push(b);
  if (batches.length === 0) return [];
  const t = new Table(batches);
  return Array.from({ length: t.numRows }, (_, i) => {
    const r = t.get(i)!;
    return key({ id: r.id as bigint, p: r.p as string, n: r.n as number }, withType ? (r._change_type as string) : undefined);
  }).sort();
}

describe("row-level operations against an in-memory model", () => {
  it("leave the table and its change feed equal to the model's", async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.boolean(), fc.array(opArb, { minLength: 1, maxLength: 5 }), async (partitioned, dv, ops) => {
        const store = new MemoryStore();
        const properties: Record<string, string> = { "delta.enableChangeDataFeed": "true" };
        if (dv) properties["delta.enableDeletionVectors"] = "true";
        let table = await DeltaTable.create(store.rootUrl, { schema: SCHEMA, partitionBy: partitioned ? ["p"] : [], properties, store });
        // Merge keys must stay unique in the table: appends only add ids not present.
        let model: Row[] = [];
        const changes: string[] = [];
        for (const op of ops) {
          const effective: Op = op.kind === "append" ? { ...op, ids: op.ids.filter((id) => !model.some((r) => r.id === BigInt(id))) } : op;
          if (effective.kind === "append" && effective.ids.length === 0) continue;
          await applyTable(table, effective);
          table = await table.refresh();
          const next = applyModel(model, effective);
          model = next.rows;
          changes.push(...next.changes);
        }
        expect(await rowsOf(table)).toEqual(model.map((r) => key(r)).sort());
        if (table.version >= 1) expect(await collect(table.changes({ startingVersion: 1 }), true)).toEqual(changes.sort());
      }),
      { numRuns: 50 },
    );
  }, 120_000);
});

async function rowsOf(table: DeltaTable): Promise<string[]> {
  const t = await table.toArrow();
  return Array.from({ length: t.numRows }, (_, i) => {
    const r = t.get(i)!;
    return key({ id: r.id as bigint, p: r.p as string, n: r.n as number });
  }).sort();
}
