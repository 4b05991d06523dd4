import {
  Binary,
  BinaryView,
  Bool,
  type DataType as ArrowType,
  DateDay,
  DateMillisecond,
  Decimal,
  Dictionary,
  Duration,
  Field,
  FixedSizeBinary,
  FixedSizeList,
  Float16,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  IntervalDayTime,
  LargeBinary,
  LargeList,
  LargeUtf8,
  List,
  Map_,
  Null,
  Schema,
  Struct,
  TimeMillisecond,
  TimeUnit,
  Timestamp,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  Utf8,
  Utf8View,
} from "apache-arrow";
import { describe, expect, it } from "vitest";
import { InvalidSchemaError } from "../../../src/errors/schema-errors.js";
import { toArrowSchema } from "../../../src/schema/arrow-schema.js";
import { fromArrowSchema, fromArrowType } from "../../../src/schema/from-arrow.js";
import type { DataType, StructType } from "../../../src/schema/types.js";

const f = (name: string, type: ArrowType, nullable = true) => new Field(name, type, nullable);
const mapOf = (key: ArrowType, value: ArrowType, valueNullable = true) =>
  new Map_(
    new Field<Struct<{ key: ArrowType; value: ArrowType }>>(
      "entries",
      new Struct([f("key", key, false), f("value", value, valueNullable)] as never),
      false,
    ),
  );

describe("fromArrowType: primitive mappings", () => {
  it.each<[string, ArrowType, DataType]>([
    ["int8", new Int8(), "byte"],
    ["int16", new Int16(), "short"],
    ["int32", new Int32(), "integer"],
    ["int64", new Int64(), "long"],
    ["uint8 → next wider signed", new Uint8(), "short"],
    ["uint16 → next wider signed", new Uint16(), "integer"],
    ["uint32 → next wider signed", new Uint32(), "long"],
    ["uint64 → decimal(20,0), which holds every value", new Uint64(), "decimal(20,0)"],
    ["float16", new Float16(), "float"],
    ["float32", new Float32(), "float"],
    ["float64", new Float64(), "double"],
    ["utf8", new Utf8(), "string"],
    ["large utf8", new LargeUtf8(), "string"],
    ["utf8 view", new Utf8View(), "string"],
    ["binary", new Binary(), "binary"],
    ["large binary", new LargeBinary(), "binary"],
    ["fixed-size binary", new FixedSizeBinary(16), "binary"],
    ["binary view", new BinaryView(), "binary"],
    ["bool", new Bool(), "boolean"],
    ["date32", new DateDay(), "date"],
    ["date64", new DateMillisecond(), "date"],
    ["timestamp s with zone", new Timestamp(TimeUnit.SECOND, "UTC"), "timestamp"],
    ["timestamp ms with offset zone", new Timestamp(TimeUnit.MILLISECOND, "+02:00"), "timestamp"],
    ["timestamp µs with named zone", new Timestamp(TimeUnit.MICROSECOND, "America/New_York"), "timestamp"],
    ["timestamp ns without zone", new Timestamp(TimeUnit.NANOSECOND), "timestamp_ntz"],
    ["timestamp µs without zone", new Timestamp(TimeUnit.MICROSECOND, null), "timestamp_ntz"],
    ["decimal128(10,2)", new Decimal(2, 10, 128), "decimal(10,2)"],
    ["decimal128(38,38)", new Decimal(38, 38, 128), "decimal(38,38)"],
    ["decimal256(20,5)", new Decimal(5, 20, 256), "decimal(20,5)"],
    ["dictionary of utf8 → its value type", new Dictionary(new Utf8(), new Int32()), "string"],
    ["dictionary of int64", new Dictionary(new Int64(), new Int8()), "long"],
  ])("%s", (_name, arrow, delta) => {
    expect(fromArrowType(arrow)).toEqual(delta);
  });
});

describe("fromArrowType: nested mappings", () => {
  it.each<[string, ArrowType, DataType]>([
    ["list with nullable elements", new List(f("item", new Int32())), { type: "array", elementType: "integer", containsNull: true }],
    [
      "list with non-null elements",
      new List(f("element", new Utf8(), false)),
      { type: "array", elementType: "string", containsNull: false },
    ],
    ["large list", new LargeList(f("item", new Float64())), { type: "array", elementType: "double", containsNull: true }],
    [
      "fixed-size list",
      new FixedSizeList(3, f("item", new Float32(), false)),
      { type: "array", elementType: "float", containsNull: false },
    ],
    ["map", mapOf(new Utf8(), new Int64()), { type: "map", keyType: "string", valueType: "long", valueContainsNull: true }],
    [
      "map with non-null values",
      mapOf(new Int32(), new Bool(), false),
      { type: "map", keyType: "integer", valueType: "boolean", valueContainsNull: false },
    ],
    [
      "struct keeps order and nullability",
      new Struct([f("b", new Int8(), false), f("a", new Utf8())]),
      {
        type: "struct",
        fields: [
          { name: "b", type: "byte", nullable: false, metadata: {} },
          { name: "a", type: "string", nullable: true, metadata: {} },
        ],
      },
    ],
    [
      "list of structs of maps",
      new List(f("item", new Struct([f("m", mapOf(new Utf8(), new Dictionary(new Utf8(), new Int16())))]))),
      {
        type: "array",
        containsNull: true,
        elementType: {
          type: "struct",
          fields: [
            {
              name: "m",
              nullable: true,
              metadata: {},
              type: { type: "map", keyType: "string", valueType: "string", valueContainsNull: true },
            },
          ],
        },
      },
    ],
  ])("%s", (_name, arrow, delta) => {
    expect(fromArrowType(arrow)).toEqual(delta);
  });
});

describe("fromArrowType: types Delta cannot store", () => {
  it.each<[string, ArrowType, RegExp]>([
    ["null", new Null(), /all-null column has no type/],
    ["time", new TimeMillisecond(), /no time-of-day type/],
    ["duration", new Duration(TimeUnit.SECOND), /no interval type/],
    ["interval", new IntervalDayTime(), /no interval type/],
    ["decimal256 wider than 38 digits", new Decimal(0, 40, 256), /outside Delta's precision/],
  ])("%s → InvalidSchemaError naming the field", (_name, arrow, detail) => {
    const schema = new Schema([f("ok", new Int32()), f("outer", new Struct([f("bad", arrow)]))]);
    let error: unknown;
    try {
      fromArrowSchema(schema);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidSchemaError);
    expect((error as InvalidSchemaError).fieldPath).toBe("outer.bad");
    expect((error as Error).message).toMatch(detail);
  });

  it("names array elements and map values in the path", () => {
    expect(() => fromArrowType(new List(f("item", new Null())), ["tags"])).toThrow(/tags\.element/);
    const map = mapOf(new Utf8(), new TimeMillisecond());
    expect(() => fromArrowType(map, ["attrs"])).toThrow(/attrs\.value/);
  });
});

describe("fromArrowSchema", () => {
  it("keeps names, order and nullability; metadata is empty", () => {
    const schema = new Schema([f("id", new Int64(), false), f("Name", new Utf8()), f("ts", new Timestamp(TimeUnit.MILLISECOND, "UTC"))]);
    expect(fromArrowSchema(schema)).toEqual({
      type: "struct",
      fields: [
        { name: "id", type: "long", nullable: false, metadata: {} },
        { name: "Name", type: "string", nullable: true, metadata: {} },
        { name: "ts", type: "timestamp", nullable: true, metadata: {} },
      ],
    });
  });

  it("reads duck-typed Arrow objects from another apache-arrow copy (typeId, not instanceof)", () => {
    const foreign = {
      fields: [
        { name: "n", nullable: false, type: { typeId: 2, bitWidth: 16, isSigned: true, toString: () => "Int16" } },
        {
          name: "s",
          nullable: true,
          type: {
            typeId: 13,
            toString: () => "Struct",
            children: [{ name: "x", nullable: true, type: { typeId: 10, timezone: null, toString: () => "Timestamp" } }],
          },
        },
      ],
    };
    expect(fromArrowSchema(foreign)).toEqual({
      type: "struct",
      fields: [
        { name: "n", type: "short", nullable: false, metadata: {} },
        {
          name: "s",
          type: { type: "struct", fields: [{ name: "x", type: "timestamp_ntz", nullable: true, metadata: {} }] },
          nullable: true,
          metadata: {},
        },
      ],
    });
  });

  it("inverts toArrowSchema for every Delta type but variant", () => {
    const schema: StructType = {
      type: "struct",
      fields: [
        "string",
        "long",
        "integer",
        "short",
        "byte",
        "float",
        "double",
        "boolean",
        "binary",
        "date",
        "timestamp",
        "timestamp_ntz",
        "decimal(38,10)",
      ].map((t, i) => ({
        name: `c${i}`,
        type: t as DataType,
        nullable: i % 2 === 0,
        metadata: {},
      })),
    };
    schema.fields.push({
      name: "nested",
      nullable: true,
      metadata: {},
      type: {
        type: "map",
        keyType: "string",
        valueContainsNull: false,
        valueType: {
          type: "array",
          containsNull: false,
          elementType: { type: "struct", fields: [{ name: "x", type: "date", nullable: false, metadata: {} }] },
        },
      },
    });
    expect(fromArrowSchema(toArrowSchema(schema))).toEqual(schema);
  });
});
