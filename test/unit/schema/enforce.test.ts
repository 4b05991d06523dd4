import { InvalidOperationError } from "../../../src/errors/argument-errors.js";
import { describe, expect, it } from "vitest";
import { InvalidSchemaError, SchemaMismatchError } from "../../../src/errors/schema-errors.js";
import { planWriteSchema, resolvePartitionColumns, type WriteSchemaRequest } from "../../../src/schema/enforce.js";
import type { DataType, StructField, StructType } from "../../../src/schema/types.js";

const field = (name: string, type: DataType, nullable = true, metadata: Record<string, unknown> = {}): StructField => ({
  name,
  type,
  nullable,
  metadata,
});
const struct = (...fields: StructField[]): StructType => ({ type: "struct", fields });
const array = (elementType: DataType, containsNull = true): DataType => ({ type: "array", elementType, containsNull });
const map = (keyType: DataType, valueType: DataType, valueContainsNull = true): DataType => ({
  type: "map",
  keyType,
  valueType,
  valueContainsNull,
});

const table = struct(
  field("id", "long", false, { "delta.columnMapping.id": 1 }),
  field("name", "string"),
  field("score", "double"),
  field("info", struct(field("a", "integer"), field("b", "string", false))),
  field("tags", array("string")),
  field("attrs", map("string", "integer")),
);

function plan(dataSchema: StructType, extra: Partial<WriteSchemaRequest> = {}) {
  return planWriteSchema({ tableSchema: table, dataSchema, mode: "append", partitionColumns: [], typeWidening: false, ...extra });
}

function mismatch(fn: () => unknown): SchemaMismatchError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SchemaMismatchError);
    return e as SchemaMismatchError;
  }
  throw new Error("expected a SchemaMismatchError");
}

describe("planWriteSchema without schemaMode: the data must fit", () => {
  it.each<[string, StructType]>([
    ["the table schema itself", table],
    ["only the non-nullable columns", struct(field("id", "long"), field("info", struct(field("b", "string"))))],
    [
      "names in another case and another order",
      struct(field("NAME", "string"), field("Id", "long"), field("Info", struct(field("B", "string"), field("A", "integer")))),
    ],
    ["byte into long (silent upcast)", struct(field("id", "byte"))],
    ["short and integer into long", struct(field("id", "integer"))],
    ["float into double", struct(field("id", "long"), field("score", "float"))],
    ["integer into double", struct(field("id", "long"), field("score", "integer"))],
    ["an upcast inside a map value", struct(field("id", "long"), field("attrs", map("string", "short")))],
    ["nullable data for a non-nullable column (nulls are checked per row)", struct(field("id", "long", true))],
    ["non-nullable array elements into nullable ones", struct(field("id", "long"), field("tags", array("string", false)))],
  ])("accepts %s and leaves the table unchanged", (_name, data) => {
    const result = plan(data);
    expect(result.schema).toBe(table);
    expect(result.changed).toBe(false);
    expect(result.added).toEqual([]);
  });

  it.each<[string, StructType, string, string, string, RegExp]>([
    ["an extra column", struct(field("id", "long"), field("extra", "date")), "extra", "(absent)", "date", /schemaMode "merge"/],
    [
      "an extra nested field",
      struct(field("id", "long"), field("info", struct(field("b", "string"), field("c", "long")))),
      "info.c",
      "(absent)",
      "long",
      /schemaMode "merge"/,
    ],
    ["a missing non-nullable column", struct(field("name", "string")), "id", "long not null", "(absent)", /not nullable/],
    [
      "a missing non-nullable nested field",
      struct(field("id", "long"), field("info", struct(field("a", "integer")))),
      "info.b",
      "string not null",
      "(absent)",
      /not nullable/,
    ],
    [
      "a wider type than the column",
      struct(field("id", "long"), field("info", struct(field("a", "long"), field("b", "string")))),
      "info.a",
      "integer",
      "long",
      /wider.*type widening/,
    ],
    ["a narrowing (double into float is never silent)", struct(field("id", "float")), "id", "long", "float", /cannot be written/],
    ["an incompatible primitive", struct(field("id", "string")), "id", "long", "string", /cannot be written/],
    [
      "a struct for a primitive",
      struct(field("id", "long"), field("name", struct(field("x", "string")))),
      "name",
      "string",
      "struct<x: string>",
      /cannot be written/,
    ],
    [
      "an incompatible array element",
      struct(field("id", "long"), field("tags", array("integer"))),
      "tags.element",
      "string",
      "integer",
      /cannot be written/,
    ],
    [
      "an incompatible map key",
      struct(field("id", "long"), field("attrs", map("long", "integer"))),
      "attrs.key",
      "string",
      "long",
      /cannot be written/,
    ],
  ])("refuses %s with the path and both types", (_name, data, path, expected, actual, detail) => {
    const error = mismatch(() => plan(data));
    expect(error.fieldPath).toBe(path);
    expect(error.expected).toBe(expected);
    expect(error.actual).toBe(actual);
    expect(error.message).toMatch(detail);
  });

  it("refuses data columns whose names differ only in case", () => {
    expect(() => plan(struct(field("id", "long"), field("ID", "long")))).toThrow(InvalidSchemaError);
  });

  it("applies to overwrites without schemaMode too", () => {
    expect(() => plan(struct(field("id", "long"), field("x", "long")), { mode: "overwrite" })).toThrow(SchemaMismatchError);
  });
});

describe("planWriteSchema with schemaMode merge", () => {
  const merge = (data: StructType, extra: Partial<WriteSchemaRequest> = {}) => plan(data, { schemaMode: "merge", ...extra });

  it("adds a new top-level column at the end, nullable, keeping table order, casing and metadata", () => {
    const result = merge(struct(field("extra", "date", false), field("ID", "long"), field("NAME", "string")));
    expect(result.changed).toBe(true);
    expect(result.added).toEqual([["extra"]]);
    expect(result.schema.fields.map((f) => f.name)).toEqual(["id", "name", "score", "info", "tags", "attrs", "extra"]);
    expect(result.schema.fields[0]).toEqual(table.fields[0]);
    expect(result.schema.fields[6]).toEqual(field("extra", "date", true));
  });

  it("adds new nested fields at the end of their struct, also inside arrays and maps", () => {
    const t = struct(
      field("id", "long"),
      field("items", array(struct(field("x", "integer")))),
      field("m", map("string", struct(field("v", "string")))),
    );
    const data = struct(
      field("items", array(struct(field("y", "string"), field("X", "integer")))),
      field("m", map("string", struct(field("w", "boolean", false)))),
    );
    const result = planWriteSchema({
      tableSchema: t,
      dataSchema: data,
      mode: "append",
      schemaMode: "merge",
      partitionColumns: [],
      typeWidening: false,
    });
    expect(result.added).toEqual([
      ["items", "element", "y"],
      ["m", "value", "w"],
    ]);
    expect(result.schema.fields[1]!.type).toEqual(array(struct(field("x", "integer"), field("y", "string"))));
    expect(result.schema.fields[2]!.type).toEqual(map("string", struct(field("v", "string"), field("w", "boolean", true))));
  });

  it("keeps what is nested inside a new column as the data declares it", () => {
    const result = merge(struct(field("id", "long"), field("s", struct(field("k", "string", false)), false)));
    expect(result.schema.fields.at(-1)).toEqual(field("s", struct(field("k", "string", false)), true));
  });

  it("reports no change when the data brings nothing new", () => {
    const result = merge(struct(field("id", "integer"), field("score", "float")));
    expect(result.changed).toBe(false);
    expect(result.schema).toBe(table);
  });

  it.each<[string, DataType, DataType]>([
    ["byte → short", "byte", "short"],
    ["short → integer", "short", "integer"],
    ["integer → long", "integer", "long"],
    ["byte → long", "byte", "long"],
    ["float → double", "float", "double"],
    ["decimal(10,2) → decimal(12,4)", "decimal(10,2)", "decimal(12,4)"],
    ["decimal(10,2) → decimal(20,2)", "decimal(10,2)", "decimal(20,2)"],
    ["date → timestamp_ntz", "date", "timestamp_ntz"],
  ])("widens %s when type widening is on, recording delta.typeChanges", (_name, from, to) => {
    const t = struct(field("k", "string"), field("v", from, true, { comment: "kept" }));
    const result = planWriteSchema({
      tableSchema: t,
      dataSchema: struct(field("v", to)),
      mode: "append",
      schemaMode: "merge",
      partitionColumns: [],
      typeWidening: true,
    });
    expect(result.changed).toBe(true);
    expect(result.schema.fields[1]).toEqual(
      field("v", to, true, { comment: "kept", "delta.typeChanges": [{ fromType: from, toType: to }] }),
    );
    expect(result.typeChanges).toEqual([{ path: ["v"], fromType: from, toType: to }]);
  });

  it.each<[string, DataType, DataType, RegExp]>([
    ["integer → long without type widening", "integer", "long", /delta\.enableTypeWidening/],
    ["integer → double (only an explicit change)", "integer", "double", /only when asked explicitly/],
    ["long → decimal(20,0) (only an explicit change)", "long", "decimal(20,0)", /only when asked explicitly/],
    ["long → string", "long", "string", /cannot be written/],
    ["decimal(10,2) → decimal(11,1): neither wider", "decimal(10,2)", "decimal(11,1)", /cannot be written/],
    ["timestamp → timestamp_ntz", "timestamp", "timestamp_ntz", /cannot be written/],
  ])("refuses %s", (name, from, to, detail) => {
    const widening = !name.includes("without");
    const t = struct(field("v", from));
    const error = mismatch(() =>
      planWriteSchema({
        tableSchema: t,
        dataSchema: struct(field("v", to)),
        mode: "append",
        schemaMode: "merge",
        partitionColumns: [],
        typeWidening: widening,
      }),
    );
    expect(error.fieldPath).toBe("v");
    expect(error.message).toMatch(detail);
  });

  it("never narrows: narrower data keeps the table type", () => {
    const t = struct(field("v", "long"));
    const result = planWriteSchema({
      tableSchema: t,
      dataSchema: struct(field("v", "byte")),
      mode: "append",
      schemaMode: "merge",
      partitionColumns: [],
      typeWidening: true,
    });
    expect(result.schema).toBe(t);
  });

  it("records nested type changes with a fieldPath on the nearest struct field, after earlier ones", () => {
    const history = [{ fromType: "byte", toType: "short" }];
    const t = struct(field("e", array(map("string", "short")), true, { "delta.typeChanges": history }));
    const result = planWriteSchema({
      tableSchema: t,
      dataSchema: struct(field("e", array(map("string", "integer")))),
      mode: "append",
      schemaMode: "merge",
      partitionColumns: [],
      typeWidening: true,
    });
    expect(result.schema.fields[0]!.metadata["delta.typeChanges"]).toEqual([
      ...history,
      { fromType: "short", toType: "integer", fieldPath: "element.value" },
    ]);
    expect(result.typeChanges).toEqual([{ path: ["e", "element", "value"], fromType: "short", toType: "integer" }]);
  });

  it("refuses widening a partition column", () => {
    const t = struct(field("p", "integer"), field("v", "long"));
    const error = mismatch(() =>
      planWriteSchema({
        tableSchema: t,
        dataSchema: struct(field("p", "long")),
        mode: "append",
        schemaMode: "merge",
        partitionColumns: ["p"],
        typeWidening: true,
      }),
    );
    expect(error.fieldPath).toBe("p");
    expect(error.message).toMatch(/partition column/);
  });

  it("refuses changes Iceberg cannot follow when Iceberg compatibility is on", () => {
    const t = struct(field("d", "date"), field("n", "decimal(10,2)"));
    const req = (data: StructType) =>
      planWriteSchema({
        tableSchema: t,
        dataSchema: data,
        mode: "append",
        schemaMode: "merge",
        partitionColumns: [],
        typeWidening: true,
        icebergCompat: true,
      });
    expect(() => req(struct(field("d", "timestamp_ntz")))).toThrow(/Iceberg/);
    expect(() => req(struct(field("n", "decimal(12,4)")))).toThrow(/Iceberg/);
    expect(req(struct(field("n", "decimal(12,2)"))).schema.fields[1]!.type).toBe("decimal(12,2)");
  });

  it("refuses new column names with Parquet-unsafe characters unless column mapping is on", () => {
    const data = struct(field("id", "long"), field("my col", "string"));
    expect(() => merge(data)).toThrow(/column mapping/);
    expect(merge(data, { columnMapping: true }).added).toEqual([["my col"]]);
  });
});

describe("planWriteSchema creating a table or overwriting its schema", () => {
  it("takes the data schema, its nullability and the requested partitioning for a new table", () => {
    const data = struct(field("p", "string", false), field("v", "long"));
    const result = planWriteSchema({
      dataSchema: data,
      mode: "append",
      partitionColumns: [],
      newPartitionColumns: ["P"],
      typeWidening: false,
    });
    expect(result).toEqual({ schema: data, changed: true, partitionColumns: ["p"], added: [["p"], ["v"]], typeChanges: [] });
  });

  it("replaces the schema and may change partitioning with schemaMode overwrite", () => {
    const data = struct(field("x", "string"), field("y", "integer"));
    const result = planWriteSchema({
      tableSchema: table,
      dataSchema: data,
      mode: "overwrite",
      schemaMode: "overwrite",
      partitionColumns: ["name"],
      newPartitionColumns: ["x"],
      typeWidening: false,
    });
    expect(result.schema).toBe(data);
    expect(result.partitionColumns).toEqual(["x"]);
    expect(result.changed).toBe(true);
  });

  it("keeps the table's partition columns when none are asked and the new schema has them", () => {
    const t = struct(field("p", "string"), field("v", "long"));
    const data = struct(field("p", "string"), field("v", "long"), field("w", "long"));
    const result = planWriteSchema({
      tableSchema: t,
      dataSchema: data,
      mode: "overwrite",
      schemaMode: "overwrite",
      partitionColumns: ["p"],
      typeWidening: false,
    });
    expect(result.partitionColumns).toEqual(["p"]);
    expect(() =>
      planWriteSchema({
        tableSchema: t,
        dataSchema: struct(field("v", "long")),
        mode: "overwrite",
        schemaMode: "overwrite",
        partitionColumns: ["p"],
        typeWidening: false,
      }),
    ).toThrow(/partition column not found/);
  });

  it("keeps the table schema and its metadata when overwriting with the same columns", () => {
    const noMetadata = struct(...table.fields.map((f) => ({ ...f, metadata: {} })));
    const result = planWriteSchema({
      tableSchema: table,
      dataSchema: noMetadata,
      mode: "overwrite",
      schemaMode: "overwrite",
      partitionColumns: [],
      typeWidening: false,
    });
    expect(result).toEqual({ schema: table, changed: false, partitionColumns: [], added: [], typeChanges: [] });
    const repartitioned = planWriteSchema({
      tableSchema: table,
      dataSchema: noMetadata,
      mode: "overwrite",
      schemaMode: "overwrite",
      partitionColumns: [],
      newPartitionColumns: ["name"],
      typeWidening: false,
    });
    expect([repartitioned.schema, repartitioned.changed, repartitioned.partitionColumns]).toEqual([table, true, ["name"]]);
  });

  it("takes the data schema when only nullability differs", () => {
    const data = struct(...table.fields.map((f) => ({ ...f, nullable: true, metadata: {} })));
    expect(
      planWriteSchema({
        tableSchema: table,
        dataSchema: data,
        mode: "overwrite",
        schemaMode: "overwrite",
        partitionColumns: [],
        typeWidening: false,
      }).schema,
    ).toBe(data);
  });

  it("refuses schemaMode overwrite with mode append", () => {
    expect(() =>
      planWriteSchema({
        tableSchema: table,
        dataSchema: table,
        mode: "append",
        schemaMode: "overwrite",
        partitionColumns: [],
        typeWidening: false,
      }),
    ).toThrow(InvalidOperationError);
  });

  it.each<[string, StructType]>([
    ["no columns", struct()],
    ["names differing only in case", struct(field("a", "long"), field("A", "long"))],
    ["nested names differing only in case", struct(field("s", array(struct(field("x", "long"), field("X", "long")))))],
    ["Parquet-unsafe names", struct(field("a=b", "long"))],
  ])("refuses a new schema with %s", (_name, data) => {
    expect(() => planWriteSchema({ dataSchema: data, mode: "append", partitionColumns: [], typeWidening: false })).toThrow(
      InvalidSchemaError,
    );
  });
});

describe("partition columns", () => {
  it.each<[string, Partial<WriteSchemaRequest>]>([
    ["append asking for other partition columns", { partitionColumns: ["name"], newPartitionColumns: ["id"] }],
    ["merge asking for other partition columns", { schemaMode: "merge", partitionColumns: ["name"], newPartitionColumns: [] }],
    ["overwrite without schemaMode asking for other ones", { mode: "overwrite", partitionColumns: [], newPartitionColumns: ["name"] }],
  ])("refuses a change with %s", (_name, extra) => {
    const error = mismatch(() => plan(table, extra));
    expect(error.fieldPath).toBe("(partition columns)");
    expect(error.message).toMatch(/schemaMode "overwrite"/);
  });

  it("accepts the same partition columns spelled in another case", () => {
    expect(plan(table, { partitionColumns: ["name"], newPartitionColumns: ["NAME"] }).partitionColumns).toEqual(["name"]);
  });

  it.each<[string, string[], RegExp]>([
    ["a missing column", ["nope"], /not found/],
    ["a nested type", ["info"], /cannot be a partition column/],
    ["a repeated column", ["name", "Name"], /twice/],
    ["every column", ["a", "b"], /at least one data column/],
  ])("refuses %s", (_name, columns, detail) => {
    const schema = columns.includes("a") ? struct(field("a", "long"), field("b", "string")) : table;
    expect(() => resolvePartitionColumns(schema, columns)).toThrow(detail);
  });
});
