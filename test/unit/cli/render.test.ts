/**
 * The CLI's cell rendering and row formats on hand-built Arrow batches of every Delta type.
 */
import {
  Binary,
  Bool,
  DateDay,
  Decimal,
  Field,
  Float64,
  Int32,
  Int64,
  List,
  Map_,
  RecordBatch,
  Schema,
  Struct,
  TimeUnit,
  Timestamp,
  Utf8,
  makeData,
  vectorFromArray,
  type Data,
  type DataType,
} from "apache-arrow";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { rendererFor, scaledText, timestampText } from "../../../src/cli/render/cells.js";
import { type EncodedVariant, encodeVariant } from "../../../src/variant/index.js";
import { variantField, variantStorageType } from "../../../src/variant/arrow.js";
import type { Output } from "../../../src/cli/render/output.js";
import { csvText, rowSink, type TextFormat } from "../../../src/cli/render/rows.js";

function memoryOutput(): Output & { text: () => string } {
  const parts: string[] = [];
  return {
    closed: false,
    failure: undefined,
    isTTY: false,
    write: async (c) => void parts.push(typeof c === "string" ? c : Buffer.from(c).toString()),
    close: async () => {},
    text: () => parts.join(""),
  };
}

/** A Decimal128 column from unscaled bigints (null for nulls). */
function decimalData(values: Array<bigint | null>, precision: number, scale: number): Data {
  const words = new Uint32Array(values.length * 4);
  const validity = new Uint8Array(Math.ceil(values.length / 8));
  values.forEach((v, i) => {
    if (v === null) return;
    validity[i >> 3]! |= 1 << (i & 7);
    let x = BigInt.asUintN(128, v);
    for (let k = 0; k < 4; k++) {
      words[i * 4 + k] = Number(x & 0xffffffffn);
      x >>= 32n;
    }
  });
  const nullCount = values.filter((v) => v === null).length;
  return makeData({ type: new Decimal(scale, precision, 128), length: values.length, nullCount, nullBitmap: validity, data: words });
}

function microsData(values: Array<bigint | null>, zone: string | null): Data {
  const type = new Timestamp(TimeUnit.MICROSECOND, zone);
  const data = new BigInt64Array(values.map((v) => v ?? 0n));
  const validity = new Uint8Array(Math.ceil(values.length / 8));
  values.forEach((v, i) => v !== null && (validity[i >> 3]! |= 1 << (i & 7)));
  return makeData({ type, length: values.length, nullCount: values.filter((v) => v === null).length, nullBitmap: validity, data });
}

function texts(data: Data): Array<string | null> {
  const r = rendererFor(data.type as DataType)(data);
  return Array.from({ length: data.length }, (_, i) => r.text(i));
}

function jsons(data: Data): string[] {
  const r = rendererFor(data.type as DataType)(data);
  return Array.from({ length: data.length }, (_, i) => r.json(i));
}

describe("cell rendering", () => {
  it.each([
    [-234234223423n, 5, "-2342342.23423"],
    [5n, 3, "0.005"],
    [-5n, 3, "-0.005"],
    [1200n, 2, "12.00"],
    [42n, 0, "42"],
    [-(10n ** 37n), 2, `-1${"0".repeat(35)}.00`],
  ])("scales decimal %s with scale %s to %s", (unscaled, scale, text) => {
    expect(scaledText(unscaled, scale)).toBe(text);
  });

  it("reads decimals from Decimal128 buffers with their scale, nulls as null", () => {
    const data = decimalData([-234234223423n, null, 1n, -(2n ** 100n)], 38, 5);
    expect(texts(data)).toEqual(["-2342342.23423", null, "0.00001", scaledText(-(2n ** 100n), 5)]);
    expect(jsons(data)).toEqual(["-2342342.23423", "null", "0.00001", scaledText(-(2n ** 100n), 5)]);
  });

  it("writes timestamps in ISO-8601 with a zone, timestamp_ntz without, microseconds when present", () => {
    const us = 1717200000123456n; // 2024-06-01T00:00:00.123456
    expect(texts(microsData([us, 1717200000000000n, null, -1n], "UTC"))).toEqual([
      "2024-06-01T00:00:00.123456Z",
      "2024-06-01T00:00:00.000Z",
      null,
      "1969-12-31T23:59:59.999999Z",
    ]);
    expect(texts(microsData([us], null))).toEqual(["2024-06-01T00:00:00.123456"]);
    expect(timestampText(1n, true)).toBe("1970-01-01T00:00:00.000000001Z");
    expect(jsons(microsData([us, null], "UTC"))).toEqual(['"2024-06-01T00:00:00.123456Z"', "null"]);
  });

  it("renders 64-bit values the same whether they fit a double (word reads) or not (bigint reads)", () => {
    const edges = [
      0n,
      -1n,
      2n ** 53n - 1n,
      -(2n ** 53n),
      2n ** 53n,
      -(2n ** 53n) - 1n,
      2n ** 63n - 1n,
      -(2n ** 63n),
      1234567890123n,
      -987654321n,
    ];
    const longs = makeData({ type: new Int64(), length: edges.length, data: BigInt64Array.from(edges) });
    expect(texts(longs)).toEqual(edges.map(String));
    expect(jsons(longs)).toEqual(edges.map(String));
    // microseconds on both sides of 2^53 and of the epoch, with and without a sub-millisecond part
    const micros = [
      -1n,
      -999n,
      -1000n,
      -1001n,
      999n,
      2n ** 53n - 1n,
      2n ** 53n + 1n,
      -(2n ** 53n) - 1n,
      -62135596800000000n,
      253402300799999999n,
    ];
    expect(texts(microsData(micros, "UTC"))).toEqual(micros.map((v) => timestampText(v * 1000n, true)));
    expect(texts(microsData(micros, null))).toEqual(micros.map((v) => timestampText(v * 1000n, false)));
    // the double path (|µs| < 2^53, years 1685 to 2255) against the bigint one, days interleaved so the day cache switches
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), { minLength: 1, maxLength: 50 }),
        (values) => {
          const big = values.map(BigInt);
          expect(texts(microsData(big, "UTC"))).toEqual(big.map((v) => timestampText(v * 1000n, true)));
        },
      ),
    );
    // a slice starts at its own first row: the word view follows the values the Data points at
    const sliced = longs.slice(6, 3);
    expect(texts(sliced)).toEqual(edges.slice(6, 9).map(String));
  });

  it("writes dates, binary (hex and base64), longs exactly, doubles and booleans", () => {
    expect(texts(vectorFromArray([new Date("2024-02-29T00:00:00Z"), null], new DateDay()).data[0]!)).toEqual(["2024-02-29", null]);
    const bin = vectorFromArray([new Uint8Array([0, 255, 16]), null], new Binary()).data[0]!;
    expect(texts(bin)).toEqual(["00ff10", null]);
    expect(rendererFor(bin.type as DataType, "base64")(bin).text(0)).toBe("AP8Q");
    const longs = vectorFromArray([9007199254740993n, -1n], new Int64()).data[0]!;
    expect(texts(longs)).toEqual(["9007199254740993", "-1"]);
    expect(jsons(longs)).toEqual(["9007199254740993", "-1"]);
    expect(jsons(vectorFromArray([1.5, NaN, Infinity], new Float64()).data[0]!)).toEqual(["1.5", '"NaN"', '"Infinity"']);
    expect(texts(vectorFromArray([true, false, null], new Bool()).data[0]!)).toEqual(["true", "false", null]);
  });

  it("writes structs, lists and maps as JSON, with exact nested values", () => {
    const struct = vectorFromArray(
      [{ a: 1, b: "x" }, null, { a: null, b: 'q"' }],
      new Struct([new Field("a", new Int32(), true), new Field("b", new Utf8(), true)]),
    ).data[0]!;
    expect(texts(struct)).toEqual(['{"a":1,"b":"x"}', null, '{"a":null,"b":"q\\""}']);
    const list = vectorFromArray([[1n, 2n], [], null], new List(new Field("element", new Int64(), true))).data[0]!;
    expect(texts(list)).toEqual(["[1,2]", "[]", null]);
    const mapType = new Map_<Utf8, Int32>(
      new Field(
        "key_value",
        new Struct<{ key: Utf8; value: Int32 }>([new Field("key", new Utf8(), false), new Field("value", new Int32(), true)]),
        false,
      ),
    );
    const map = vectorFromArray(
      [
        new Map([
          ["k", 1],
          ["z", null],
        ]),
        null,
      ],
      mapType,
    ).data[0]!;
    expect(texts(map)).toEqual(['{"k":1,"z":null}', null]);
  });

  it("renders a sliced batch from its own rows", () => {
    const strings = vectorFromArray(["a", "b", null, "d"], new Utf8()).data[0]!.slice(1, 2);
    expect(texts(strings)).toEqual(["b", null]);
    const bools = vectorFromArray([true, false, true, false, true, false, true, false, false, true], new Bool()).data[0]!.slice(9, 1);
    expect(texts(bools)).toEqual(["true"]);
  });
});

describe("row formats", () => {
  const schema = new Schema([new Field("id", new Int64(), false), new Field("name", new Utf8(), true)]);
  const batch = new RecordBatch(
    schema,
    makeData({
      type: new Struct(schema.fields),
      length: 3,
      nullCount: 0,
      children: [vectorFromArray([1n, 2n, 3n], new Int64()).data[0]!, vectorFromArray(["a,b", null, ""], new Utf8()).data[0]!],
    }),
  );

  async function render(format: TextFormat, batches: RecordBatch[]): Promise<string> {
    const out = memoryOutput();
    const sink = rowSink(format, schema, out);
    for (const b of batches) await sink.batch(b);
    await sink.end();
    return out.text();
  }

  it("csv: empty field for null, quoted empty string, quoted separators", async () => {
    expect(await render("csv", [batch])).toBe('id,name\n1,"a,b"\n2,\n3,""\n');
    expect(csvText('say "hi"')).toBe('"say ""hi"""');
  });

  it("ndjson and json: null as null, one object per row; the JSON array parses", async () => {
    expect(await render("ndjson", [batch, batch.slice(0, 1)])).toBe(
      '{"id":1,"name":"a,b"}\n{"id":2,"name":null}\n{"id":3,"name":""}\n{"id":1,"name":"a,b"}\n',
    );
    expect(JSON.parse(await render("json", [batch, batch]))).toHaveLength(6);
    expect(await render("json", [])).toBe("[]\n");
  });

  it("table: aligned columns, NULL for nulls, a row count", async () => {
    const text = await render("table", [batch]);
    expect(text.split("\n")).toEqual(["  id  name", "────  ────", "   1  a,b", "   2  NULL", "   3", "(3 rows)", ""]);
  });
});

describe("variant columns", () => {
  it("render as the JSON of their value in every format, also nested in a list; null stays null", async () => {
    const values = [{ a: 1, b: ["x", true] }, null, 3.5];
    const encoded = values.map((v) => (v === null ? null : encodeVariant(v)));
    const binary = (pick: (e: EncodedVariant) => Uint8Array) =>
      vectorFromArray(
        encoded.map((e) => (e ? pick(e) : new Uint8Array(0))),
        new Binary(),
      ).data[0]!;
    const validity = Uint8Array.of(0b101);
    const variant = makeData({
      type: variantStorageType(),
      length: 3,
      nullCount: 1,
      nullBitmap: validity,
      children: [binary((e) => e.metadata), binary((e) => e.value)],
    });
    const list = makeData({
      type: new List(variantField("element", true)),
      length: 1,
      nullCount: 0,
      valueOffsets: Int32Array.of(0, 3),
      child: variant,
    });
    const schema = new Schema([variantField("v", true)]);
    const out = memoryOutput();
    const sink = rowSink("ndjson", schema, out);
    await sink.batch(new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 3, nullCount: 0, children: [variant] })));
    await sink.end();
    expect(out.text()).toBe('{"v":{"a":1,"b":["x",true]}}\n{"v":null}\n{"v":3.5}\n');
    const csv = memoryOutput();
    const csvSink = rowSink("csv", schema, csv);
    await csvSink.batch(
      new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 3, nullCount: 0, children: [variant] })),
    );
    await csvSink.end();
    expect(csv.text()).toBe('v\n"{""a"":1,""b"":[""x"",true]}"\n\n3.5\n');
    const nested = rendererFor(new Field("l", list.type, true))(list);
    expect(nested.json(0)).toBe('[{"a":1,"b":["x",true]},null,3.5]');
  });
});
