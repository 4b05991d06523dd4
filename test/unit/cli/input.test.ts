/**
 * The CLI's input side: the streaming CSV parser, value conversion and type inference for
 * `import`, and `--schema` parsing.
 */
import { describe, expect, it } from "vitest";
import { CsvParser } from "../../../src/cli/input/csv.js";
import { builderValue, inferJsonType, inferTextType, parseDecimal, parseTimestampMicros } from "../../../src/cli/input/columns.js";
import { parseSchemaSpec } from "../../../src/cli/schema-spec.js";
import { CliError, UsageError } from "../../../src/cli/exit.js";

function parseAll(chunks: string[], delimiter = ","): Array<Array<string | null>> {
  const parser = new CsvParser(delimiter);
  return [...chunks.flatMap((c) => parser.feed(c)), ...parser.end()];
}

describe("CSV parser", () => {
  it("reads quoted fields, doubled quotes, embedded line breaks, CRLF, nulls vs empty strings", () => {
    const text = 'a,b,c\r\n1,"x, ""y""",\r\n2,"",z\n3,"line\nbreak",\n';
    const expected = [
      ["a", "b", "c"],
      ["1", 'x, "y"', null],
      ["2", "", "z"],
      ["3", "line\nbreak", null],
    ];
    expect(parseAll([text])).toEqual(expected);
    // the same text split at every position gives the same records
    for (let i = 1; i < text.length; i++) expect(parseAll([text.slice(0, i), text.slice(i)])).toEqual(expected);
  });

  it("takes the last record without a final newline, other delimiters, and refuses an unterminated quote", () => {
    expect(parseAll(["x;y\n1;2"], ";")).toEqual([
      ["x", "y"],
      ["1", "2"],
    ]);
    expect(() => parseAll(['a\n"open'])).toThrow(CliError);
  });
});

describe("import values", () => {
  const fail = () => new CliError("CLI_BAD_INPUT", "bad");
  it.each([
    ["123.45", 2, 12345n],
    ["-0.5", 3, -500n],
    ["7", 0, 7n],
    ["1.230", 2, 123n],
  ])("decimal %s at scale %s is %s", (text, scale, unscaled) => {
    expect(parseDecimal(text, scale)).toBe(unscaled);
  });

  it("refuses decimals that would lose digits and values that do not fit", () => {
    expect(parseDecimal("1.234", 2)).toBeUndefined();
    expect(() => builderValue("integer", "3000000000", fail)).toThrow("bad");
    expect(() => builderValue("long", "1.5", fail)).toThrow("bad");
    expect(() => builderValue("boolean", "yes", fail)).toThrow("bad");
  });

  it("parses timestamps to microseconds, with zones and without", () => {
    expect(parseTimestampMicros("2024-05-01T10:00:00.123456Z")).toBe(1714557600123456n);
    expect(parseTimestampMicros("2024-05-01T12:00:00+02:00")).toBe(1714557600000000n);
    expect(parseTimestampMicros("2024-05-01 10:00")).toBe(1714557600000000n);
    expect(parseTimestampMicros("not a time")).toBeUndefined();
  });

  it("infers the narrowest type of CSV text and of JSON values", () => {
    expect(inferTextType(["1", null, "-2"])).toBe("long");
    expect(inferTextType(["1", "2.5"])).toBe("double");
    expect(inferTextType(["true", "FALSE"])).toBe("boolean");
    expect(inferTextType(["2024-01-01"])).toBe("date");
    expect(inferTextType(["2024-01-01T00:00:00Z"])).toBe("timestamp");
    expect(inferTextType(["2024-01-01T00:00:00"])).toBe("timestamp_ntz");
    expect(inferTextType(["1", "x"])).toBe("string");
    expect(inferTextType([null])).toBe("string");
    expect(inferJsonType([1, 2.5])).toBe("double");
    expect(inferJsonType([{ a: 1 }, { b: [true] }])).toEqual({
      type: "struct",
      fields: [
        { name: "a", type: "long", nullable: true, metadata: {} },
        { name: "b", type: { type: "array", elementType: "boolean", containsNull: true }, nullable: true, metadata: {} },
      ],
    });
  });
});

describe("--schema", () => {
  it("parses the DDL with nested types, aliases and NOT NULL", () => {
    expect(
      parseSchemaSpec("id bigint not null, price decimal(10, 2), tags array<string>, m map<string, int>, p struct<x: double, y: double>"),
    ).toEqual({
      type: "struct",
      fields: [
        { name: "id", type: "long", nullable: false, metadata: {} },
        { name: "price", type: "decimal(10,2)", nullable: true, metadata: {} },
        { name: "tags", type: { type: "array", elementType: "string", containsNull: true }, nullable: true, metadata: {} },
        {
          name: "m",
          type: { type: "map", keyType: "string", valueType: "integer", valueContainsNull: true },
          nullable: true,
          metadata: {},
        },
        {
          name: "p",
          type: {
            type: "struct",
            fields: [
              { name: "x", type: "double", nullable: true, metadata: {} },
              { name: "y", type: "double", nullable: true, metadata: {} },
            ],
          },
          nullable: true,
          metadata: {},
        },
      ],
    });
  });

  it("accepts Delta schema JSON and refuses unknown types with the position", () => {
    expect(parseSchemaSpec('{"type":"struct","fields":[{"name":"a","type":"long","nullable":true,"metadata":{}}]}').fields[0]!.name).toBe(
      "a",
    );
    expect(() => parseSchemaSpec("a lon")).toThrow(UsageError);
    expect(() => parseSchemaSpec("a lon")).toThrow('--schema: unknown type lon at character 6 of "a lon"');
  });

  it("checks JSON as a table's schemaString is checked, and takes every Delta type in the DDL (variant too)", () => {
    expect(() => parseSchemaSpec('{"type":"struct","fields":[{"name":"a","type":"lon"}]}')).toThrow(UsageError);
    expect(() => parseSchemaSpec('{"type":"struct","fields":[{"name":"a","type":"lon"}]}')).toThrow(/^--schema: .*unknown type "lon"/);
    expect(() => parseSchemaSpec("{not json")).toThrow(/^--schema: .*not JSON/);
    expect(parseSchemaSpec("v variant, t timestamp_ntz").fields.map((f) => f.type)).toEqual(["variant", "timestamp_ntz"]);
  });
});
