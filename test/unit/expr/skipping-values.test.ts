import { Int64, RecordBatch, Utf8, vectorFromArray } from "apache-arrow";
import { describe, expect, it } from "vitest";
import type { StructType } from "../../../src/schema/types.js";
import { bind } from "../../../src/expr/bind.js";
import { evaluate } from "../../../src/expr/evaluate.js";
import { parseExpression } from "../../../src/expr/parse.js";
import { canSkipFile, FileSkipper, type SkippingContext } from "../../../src/expr/skipping.js";
import { rng } from "../../helpers/rng.js";

const field = (name: string, type: StructType["fields"][number]["type"]) => ({ name, type, nullable: true, metadata: {} });
const schema: StructType = { type: "struct", fields: [field("id", "long"), field("s", "string"), field("part", "string")] };
const context: SkippingContext = { schema, partitionColumns: ["part"] };

interface TestFile {
  ids: (bigint | null)[];
  strings: (string | null)[];
  part: string | null;
}

/** Stats as a writer would record them: exact min/max/nullCount of the rows. */
function statsOf(file: TestFile): string {
  const ids = file.ids.filter((v): v is bigint => v !== null);
  const strings = file.strings.filter((v): v is string => v !== null).sort();
  const minValues: Record<string, unknown> = {};
  const maxValues: Record<string, unknown> = {};
  if (ids.length) {
    minValues.id = Number(ids.reduce((a, b) => (a < b ? a : b)));
    maxValues.id = Number(ids.reduce((a, b) => (a > b ? a : b)));
  }
  if (strings.length) {
    minValues.s = strings[0];
    maxValues.s = strings[strings.length - 1];
  }
  const nullCount = { id: file.ids.length - ids.length, s: file.strings.length - strings.length };
  return JSON.stringify({ numRecords: file.ids.length, minValues, maxValues, nullCount });
}

function batchOf(file: TestFile): RecordBatch {
  return new RecordBatch({
    id: vectorFromArray(file.ids, new Int64()).data[0]!,
    s: vectorFromArray(file.strings, new Utf8()).data[0]!,
    part: vectorFromArray(
      file.ids.map(() => file.part),
      new Utf8(),
    ).data[0]!,
  });
}

const skips = (predicate: string, file: TestFile) =>
  canSkipFile(bind(parseExpression(predicate), schema), { stats: statsOf(file), partitionValues: { part: file.part } }, context);

describe("skipping with computed conditions", () => {
  const file: TestFile = { ids: [1n, 5n, 9n], strings: ["apple", "banana", null], part: "a" };

  it.each([
    "id + 100 > 50",
    "NOT (id + 100 > 50)",
    "lower(s) = 'zzz'",
    "s LIKE 'zzz%'",
    "NOT (s LIKE '%')",
    "CASE WHEN id > 100 THEN TRUE ELSE FALSE END",
    "coalesce(id, 0) > 1000",
    "cast(id AS string) = 'x'",
    "lower(part) = s",
    "cast(part AS int) = 1",
  ])("keeps the file for %s, which the bounds cannot decide", (predicate) => {
    expect(skips(predicate, file)).toBe(false);
  });

  it.each<[string, string | null, boolean]>([
    ["lower(part) = 'zzz'", "a", true],
    ["lower(part) = 'a'", "A", false],
    ["NOT (upper(part) = 'A')", "a", true],
    ["NOT (upper(part) = 'A')", "b", false],
    ["part || 'x' = 'ax'", "a", false],
    ["part || 'x' = 'zzz'", "a", true],
    ["lower(part) = 'a'", null, true],
    ["NOT (lower(part) = 'a')", null, true],
    ["coalesce(part, 'none') = 'none'", null, false],
    ["CASE WHEN part LIKE 'a%' THEN 1 ELSE 0 END = 1", "b", true],
    ["cast(part AS int) = 1", "x", false],
  ])("decides %s exactly from the partition value %j (skip: %s)", (predicate, part, expected) => {
    expect(skips(predicate, { ...file, part })).toBe(expected);
  });

  it.each([
    ["id > 100 AND lower(s) = 'apple'", true],
    ["part = 'b' AND s LIKE 'a%'", true],
    ["id > 100 OR lower(s) = 'apple'", false],
    ["NOT (id <= 100 OR s LIKE 'a%')", true],
    ["NOT (id <= 100 AND s LIKE 'a%')", false],
  ])("still skips on the simple parts: %s → %s", (predicate, expected) => {
    expect(skips(predicate, file)).toBe(expected);
  });

  it("never skips a file holding a matching row, over random files and mixed predicates", () => {
    const random = rng(1234);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const words = ["apple", "banana", "cherry", "a_b", "Zed", ""];
    const leaves = [
      () => `id ${pick(["<", "<=", ">", ">=", "=", "!="])} ${Math.floor(random() * 40) - 5}`,
      () => `id ${pick(["+", "-", "*", "%"])} ${Math.floor(random() * 5) + 1} ${pick(["<", ">", "="])} ${Math.floor(random() * 40)}`,
      () => `s ${pick(["LIKE", "NOT LIKE"])} '${pick(["a%", "%an%", "_pple", "%", "b_n%", "Z%"])}'`,
      () => `lower(s) ${pick(["=", ">", "<"])} '${pick(words).toLowerCase()}'`,
      () => `coalesce(id, ${Math.floor(random() * 30)}) ${pick(["<", ">"])} ${Math.floor(random() * 30)}`,
      () => `CASE WHEN id > ${Math.floor(random() * 30)} THEN s ELSE 'zzz' END ${pick(["=", "<"])} '${pick(words)}'`,
      () => `part ${pick(["=", "!="])} '${pick(["a", "b"])}'`,
      () => `upper(part) = '${pick(["A", "B"])}'`,
      () => `s ${pick(["=", "<", ">="])} '${pick(words)}'`,
      () => `${pick(["id", "s"])} IS ${pick(["", "NOT "])}NULL`,
    ];
    const predicate = (depth: number): string => {
      if (depth === 0 || random() < 0.4) return pick(leaves)();
      const kind = pick(["AND", "OR", "NOT"]);
      if (kind === "NOT") return `NOT (${predicate(depth - 1)})`;
      return `(${predicate(depth - 1)}) ${kind} (${predicate(depth - 1)})`;
    };
    let skipped = 0;
    let checked = 0;
    for (let f = 0; f < 60; f++) {
      const n = 1 + Math.floor(random() * 6);
      const testFile: TestFile = {
        ids: Array.from({ length: n }, () => (random() < 0.15 ? null : BigInt(Math.floor(random() * 30)))),
        strings: Array.from({ length: n }, () => (random() < 0.15 ? null : pick(words))),
        part: pick(["a", "b", null]),
      };
      const batch = batchOf(testFile);
      for (let k = 0; k < 25; k++) {
        const text = predicate(3);
        const bound = bind(parseExpression(text), schema);
        const skipper = new FileSkipper(bound, context);
        const canSkip = skipper.canSkip({ stats: statsOf(testFile), partitionValues: { part: testFile.part } });
        checked++;
        if (!canSkip) continue;
        skipped++;
        const matches = evaluate(bound, batch).reduce((a, b) => a + b, 0);
        expect({ text, testFile, matches }).toEqual({ text, testFile, matches: 0 });
      }
    }
    expect(checked).toBe(1500);
    expect(skipped).toBeGreaterThan(100); // the simple leaves still prune
  });
});
