import {
  type Data,
  type DataType as ArrowType,
  DateDay,
  Field,
  Float64,
  Int32,
  Int64,
  RecordBatch,
  Struct,
  TimeUnit,
  Timestamp,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import { describe, expect, it } from "vitest";
import { ConstraintViolationError, UnsupportedConstraintError } from "../../../../src/errors/constraint-errors.js";
import { SchemaMismatchError } from "../../../../src/errors/schema-errors.js";
import { conformBatch } from "../../../../src/ops/write/conform.js";
import {
  assertNoDependentConstraints,
  checkBatch,
  compileConstraints,
  constraintPropertyKey,
  dependentConstraints,
  validateExistingData,
} from "../../../../src/ops/write/constraints.js";
import type { DataType, StructField, StructType } from "../../../../src/schema/types.js";

const field = (name: string, type: DataType, nullable = true, metadata: Record<string, unknown> = {}): StructField => ({
  name,
  type,
  nullable,
  metadata,
});
const col = (values: unknown[], type: ArrowType): Data => vectorFromArray(values as never[], type as never).data[0] as Data;

const schema: StructType = {
  type: "struct",
  fields: [
    field("id", "long"),
    field("part", "string"),
    field("x", "integer"),
    field("y", "double"),
    field("d", "date"),
    field("ts", "timestamp"),
    field("s", { type: "struct", fields: [field("a", "integer")] }),
  ],
};

/** A conformed batch of the schema above; columns not given are null. */
function batch(columns: Partial<Record<"id" | "part" | "x" | "y" | "d" | "ts" | "s", unknown[]>>): RecordBatch {
  const types: Record<string, ArrowType> = {
    id: new Int64(),
    part: new Utf8(),
    x: new Int32(),
    y: new Float64(),
    d: new DateDay(),
    ts: new Timestamp(TimeUnit.MICROSECOND, "UTC"),
    s: new Struct([new Field("a", new Int32())]),
  };
  const data = Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, col(v, types[k]!)]));
  return conformBatch(new RecordBatch(data), schema);
}

function violation(fn: () => unknown): ConstraintViolationError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConstraintViolationError);
    return e as ConstraintViolationError;
  }
  throw new Error("expected a ConstraintViolationError");
}

describe("compileConstraints", () => {
  it("reads delta.constraints.* properties (prefix in any case) and ignores other properties", () => {
    const compiled = compileConstraints(schema, {
      "delta.constraints.positive": "id > 0",
      "Delta.Constraints.Parts": "part IN ('a', 'b')",
      "delta.appendOnly": "false",
    });
    expect(compiled.constraints.map((c) => [c.name, c.kind, c.expression])).toEqual([
      ["positive", "check", "id > 0"],
      ["Parts", "check", "part IN ('a', 'b')"],
    ]);
    expect(compiled.constraints[0]!.columns.map((c) => c.path)).toEqual([["id"]]);
  });

  it("stores constraint names lower-cased, as Spark does", () => {
    expect(constraintPropertyKey("MyCheck")).toBe("delta.constraints.mycheck");
  });

  it.each<[string, string, RegExp]>([
    ["an unknown function", "sqrt(x) > 0", /cannot parse/],
    ["arithmetic on a string", "part + 1 > 0", /type error/],
    ["LIKE on a number", "x LIKE 'a%'", /LIKE compares strings/],
    ["a CASE whose branches have no common type", "CASE WHEN x > 0 THEN part ELSE x END = 'a'", /no common type/],
    ["an unknown column", "nope > 1", /unknown column nope/],
    ["a literal that does not fit the column", "x > 'abc'", /does not fit/],
    ["a non-boolean expression", "part", /must be boolean/],
  ])("refuses %s at compile time, naming the constraint", (_name, expression, detail) => {
    let error: unknown;
    try {
      compileConstraints(schema, { "delta.constraints.c1": expression });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnsupportedConstraintError);
    const e = error as UnsupportedConstraintError;
    expect([e.constraintName, e.expression, e.kind]).toEqual(["c1", expression, "check"]);
    expect(e.message).toMatch(detail);
    expect(e.message).toMatch(/CHECK constraint c1/);
  });
});

describe("checkBatch", () => {
  it("passes rows where every constraint is TRUE", () => {
    const compiled = compileConstraints(schema, {
      "delta.constraints.a": "id > 0",
      "delta.constraints.b": "part IN ('a', 'b') AND x BETWEEN 1 AND 10",
    });
    expect(() => checkBatch(compiled, batch({ id: [1n, 2n], part: ["a", "b"], x: [1, 10] }))).not.toThrow();
  });

  it("reports the constraint, its expression, the violating count and the values of the columns it reads", () => {
    const compiled = compileConstraints(schema, { "delta.constraints.positive": "id > 0 AND y < 10" });
    const error = violation(() => checkBatch(compiled, batch({ id: [5n, -1n, 3n, 0n], y: [1, 2, 30, 4], part: ["p", "q", "r", "s"] })));
    expect(error.constraintName).toBe("positive");
    expect(error.expression).toBe("id > 0 AND y < 10");
    expect(error.kind).toBe("check");
    expect(error.violatingRows).toBe(3);
    expect(error.violations).toEqual([
      { row: 1, values: { id: -1n, y: 2 } },
      { row: 2, values: { id: 3n, y: 30 } },
      { row: 3, values: { id: 0n, y: 4 } },
    ]);
    expect(error.message).toMatch(/CHECK constraint positive \(id > 0 AND y < 10\) violated by 3 rows: row 1: id = -1, y = 2/);
  });

  it("treats a NULL result as a violation (Delta, unlike standard SQL)", () => {
    const compiled = compileConstraints(schema, { "delta.constraints.c": "x > 0" });
    const error = violation(() => checkBatch(compiled, batch({ x: [1, null] })));
    expect(error.violations).toEqual([{ row: 1, values: { x: null } }]);
    const lenient = compileConstraints(schema, { "delta.constraints.c": "x IS NULL OR x > 0" });
    expect(() => checkBatch(lenient, batch({ x: [1, null] }))).not.toThrow();
  });

  it("treats a NULL in an IN list check as a violation", () => {
    const compiled = compileConstraints(schema, { "delta.constraints.parts": "part IN ('a', 'b')" });
    const error = violation(() => checkBatch(compiled, batch({ part: ["a", "c", null] })));
    expect(error.violations.map((v) => v.values)).toEqual([{ part: "c" }, { part: null }]);
  });

  it("shows dates and timestamps as text, nested columns by path, and a null struct as NULL", () => {
    const compiled = compileConstraints(schema, { "delta.constraints.recent": "d > '2020-01-01' AND ts < '2030-01-01' AND s.a >= 0" });
    const error = violation(() =>
      checkBatch(
        compiled,
        batch({
          d: [new Date(Date.UTC(2019, 5, 1)), new Date(Date.UTC(2021, 0, 1))],
          ts: [new Date(Date.UTC(2024, 0, 1)), new Date(Date.UTC(2024, 0, 1))],
          s: [{ a: 1 }, null],
        }),
      ),
    );
    expect(error.violations).toEqual([
      { row: 0, values: { d: "2019-06-01", ts: "2024-01-01T00:00:00.000000Z", "s.a": 1 } },
      { row: 1, values: { d: "2021-01-01", ts: "2024-01-01T00:00:00.000000Z", "s.a": null } },
    ]);
  });

  it("shows at most five example rows", () => {
    const compiled = compileConstraints(schema, { "delta.constraints.c": "x = 0" });
    const error = violation(() => checkBatch(compiled, batch({ x: [1, 2, 3, 4, 5, 6, 7] })));
    expect(error.violatingRows).toBe(7);
    expect(error.violations.map((v) => v.row)).toEqual([0, 1, 2, 3, 4]);
  });

  it("compares columns with each other", () => {
    const compiled = compileConstraints(schema, { "delta.constraints.c": "x <= id" });
    expect(violation(() => checkBatch(compiled, batch({ id: [5n, 1n], x: [5, 2] }))).violations).toEqual([
      { row: 1, values: { x: 2, id: 1n } },
    ]);
  });
});

describe("legacy column invariants (delta.invariants)", () => {
  const withInvariant = (raw: unknown): StructType => ({
    type: "struct",
    fields: [
      field("x", "integer", true, { "delta.invariants": raw }),
      field("s", {
        type: "struct",
        fields: [field("a", "integer", true, { "delta.invariants": '{"expression":{"expression":"s.a < 100"}}' })],
      }),
    ],
  });

  it("are checked like CHECK constraints, named by their column", () => {
    const s = withInvariant(JSON.stringify({ expression: { expression: "x > 3" } }));
    const compiled = compileConstraints(s, {});
    expect(compiled.constraints.map((c) => [c.name, c.kind, c.expression])).toEqual([
      ["x", "invariant", "x > 3"],
      ["s.a", "invariant", "s.a < 100"],
    ]);
    const data = conformBatch(new RecordBatch({ x: col([4, 3, null], new Int32()) }), s);
    const error = violation(() => checkBatch(compiled, data));
    expect([error.kind, error.constraintName, error.violatingRows]).toEqual(["invariant", "x", 2]);
    expect(error.message).toMatch(/invariant on x \(x > 3\) violated by 2 rows/);
  });

  it.each<[string, unknown]>([
    ["not JSON", "x > 3"],
    ["JSON of the wrong shape", '{"expression": "x > 3"}'],
    ["an unparseable expression", '{"expression":{"expression":"x > sqrt(3)"}}'],
  ])("refuses an invariant that is %s", (_name, raw) => {
    expect(() => compileConstraints(withInvariant(raw), {})).toThrow(UnsupportedConstraintError);
  });
});

describe("validateExistingData", () => {
  async function* batches(...list: RecordBatch[]): AsyncIterable<RecordBatch> {
    for (const b of list) yield b;
  }

  it("passes when every existing row satisfies the new constraint", async () => {
    await expect(
      validateExistingData(batches(batch({ id: [1n] }), batch({ id: [2n, 3n] })), { name: "pos", expression: "id > 0", schema }),
    ).resolves.toBeUndefined();
  });

  it("counts violations over all batches and numbers rows from the first batch", async () => {
    const error = await validateExistingData(batches(batch({ id: [1n, -1n] }), batch({ id: [2n, -2n, null] })), {
      name: "pos",
      expression: "id > 0",
      schema,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(ConstraintViolationError);
    expect(error.violatingRows).toBe(3);
    expect(error.violations).toEqual([
      { row: 1, values: { id: -1n } },
      { row: 3, values: { id: -2n } },
      { row: 4, values: { id: null } },
    ]);
  });

  it("refuses an expression it cannot evaluate before reading anything", async () => {
    let read = false;
    async function* spy(): AsyncIterable<RecordBatch> {
      read = true;
      yield batch({});
    }
    await expect(validateExistingData(spy(), { name: "c", expression: "sqrt(part) = 'A'", schema })).rejects.toThrow(
      UnsupportedConstraintError,
    );
    expect(read).toBe(false);
  });

  it("stops when aborted", async () => {
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    await expect(
      validateExistingData(batches(batch({ id: [1n] })), { name: "pos", expression: "id > 0", schema }, { signal: controller.signal }),
    ).rejects.toThrow("stop");
  });
});

describe("constraints and type changes", () => {
  const compiled = compileConstraints(schema, { "delta.constraints.c1": "x > 0", "delta.constraints.c2": "s.a > 0 AND id > 0" });

  it("finds the constraints reading a column, a field of it, or a struct enclosing it", () => {
    expect(dependentConstraints(compiled, ["X"])).toEqual(["c1"]);
    expect(dependentConstraints(compiled, ["s"])).toEqual(["c2"]);
    expect(dependentConstraints(compiled, ["s", "a"])).toEqual(["c2"]);
    expect(dependentConstraints(compiled, ["y"])).toEqual([]);
  });

  it("refuses widening a column a constraint reads", () => {
    expect(() => assertNoDependentConstraints(compiled, [{ path: ["x"], fromType: "integer", toType: "long" }])).toThrow(
      SchemaMismatchError,
    );
    expect(() => assertNoDependentConstraints(compiled, [{ path: ["y"], fromType: "float", toType: "double" }])).not.toThrow();
  });
});
