/**
 * The reusable pieces of row-level operations, alone: loose statistics bounds edited as text, and
 * candidate file selection (whole files for partition-only predicates, files to read otherwise).
 */
import { describe, expect, it } from "vitest";
import { createEngine } from "../../../../src/engine/index.js";
import { bind } from "../../../../src/expr/bind.js";
import { parseExpression } from "../../../../src/expr/parse.js";
import { loadSnapshot } from "../../../../src/log/snapshot.js";
import { numRecordsOf, selectCandidateFiles } from "../../../../src/ops/row-level/candidates.js";
import { looseBounds } from "../../../../src/ops/row-level/deletion-vectors.js";
import type { StructField, StructType } from "../../../../src/schema/types.js";
import { MemoryStore } from "../../../../src/storage/memory-store.js";
import { DeltaTable } from "../../../../src/table/delta-table.js";

describe("looseBounds", () => {
  it.each([
    ['{"numRecords":3,"tightBounds":true}', '{"numRecords":3,"tightBounds":false}'],
    ['{"numRecords":3,"minValues":{"id":9007199254740993}}', '{"numRecords":3,"minValues":{"id":9007199254740993},"tightBounds":false}'],
    ["{}", '{"tightBounds":false}'],
  ])("%s → %s", (input, output) => {
    expect(looseBounds(input)).toBe(output);
  });

  it("reads numRecords without parsing bounds", () => {
    expect(numRecordsOf('{"numRecords":12,"minValues":{}}')).toBe(12);
    expect(numRecordsOf(undefined)).toBeUndefined();
  });
});

describe("selectCandidateFiles", () => {
  const f = (name: string, type: StructField["type"]): StructField => ({ name, type, nullable: true, metadata: {} });
  const SCHEMA: StructType = { type: "struct", fields: [f("id", "long"), f("p", "string")] };

  async function table() {
    const store = new MemoryStore();
    const t = await DeltaTable.create(store.rootUrl, { schema: SCHEMA, partitionBy: ["p"], store });
    await t.write([
      { id: 1n, p: "a" },
      { id: 2n, p: "a" },
    ]);
    await t.write([{ id: 10n, p: "b" }]);
    await t.write([{ id: 20n, p: "c" }]);
    return loadSnapshot(createEngine(store));
  }
  const predicate = (text: string, schema: StructType) => ({ expr: parseExpression(text), bound: bind(parseExpression(text), schema) });

  it.each([
    ["p = 'a' OR p = 'c'", { whole: 2, toRead: 0, metadataOnly: true, skippedFiles: 1 }],
    ["id >= 10", { whole: 0, toRead: 2, metadataOnly: false, skippedFiles: 1 }],
    ["p = 'b' AND id = 99", { whole: 0, toRead: 0, metadataOnly: false, skippedFiles: 3 }],
  ])("%s", async (text, expected) => {
    const snapshot = await table();
    const c = selectCandidateFiles(snapshot, predicate(text, snapshot.schema));
    expect({ whole: c.whole.length, toRead: c.toRead.length, metadataOnly: c.metadataOnly, skippedFiles: c.skippedFiles }).toEqual(
      expected,
    );
  });

  it("takes every file whole without a predicate", async () => {
    const snapshot = await table();
    expect(selectCandidateFiles(snapshot, undefined)).toMatchObject({ whole: [0, 1, 2], toRead: [], metadataOnly: true });
  });
});
