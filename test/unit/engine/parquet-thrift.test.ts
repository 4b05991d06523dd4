import { readFileSync } from "node:fs";
import * as nodePath from "node:path";
import { describe, expect, it } from "vitest";
import {
  decodeStruct,
  encodeStruct,
  getI64,
  getInt,
  getList,
  getString,
  i32,
  i64,
  str,
  ThriftDecodeError,
  type ThriftStruct,
  type ThriftValue,
  TType,
} from "../../../src/engine/parquet-thrift.js";
import { HAS_SHARED, parquetFilesUnder, SHARED, SKIP_REASON } from "./fixtures.js";

function roundTrip(s: ThriftStruct): ThriftStruct {
  return decodeStruct(encodeStruct(s)).value;
}

describe("thrift compact codec", () => {
  it.each([
    ["i32 zero", i32(0)],
    ["i32 min", i32(-2147483648)],
    ["i32 max", i32(2147483647)],
    ["i64 min", i64(-(2n ** 63n))],
    ["i64 max", i64(2n ** 63n - 1n)],
    ["i64 -1", i64(-1n)],
    ["i16", { t: TType.I16, v: -300 } as ThriftValue],
    ["i8", { t: TType.I8, v: -5 } as ThriftValue],
    ["double", { t: TType.Double, v: -1.5e300 } as ThriftValue],
    ["string", str("héllo ✓")],
    ["bool true", { t: TType.BoolTrue, v: true } as ThriftValue],
    ["bool false", { t: TType.BoolTrue, v: false } as ThriftValue],
    ["uuid", { t: TType.Uuid, v: new Uint8Array(16).fill(7) } as ThriftValue],
  ])("round-trips a %s field", (_name, value) => {
    const s: ThriftStruct = new Map([[3, value]]);
    expect(roundTrip(s).get(3)).toEqual(value);
  });

  it("round-trips long lists, bool lists, maps, nested structs and far field ids", () => {
    const inner: ThriftStruct = new Map([[1, str("x")]]);
    const s: ThriftStruct = new Map<number, ThriftValue>([
      [1, { t: TType.List, elem: TType.I32, v: Array.from({ length: 40 }, (_, i) => i32(i - 20)) }],
      [2, { t: TType.List, elem: TType.BoolTrue, v: [true, false, true].map((v) => ({ t: TType.BoolTrue, v }) as ThriftValue) }],
      [3, { t: TType.Map, key: TType.Binary, value: TType.I64, v: [[str("a"), i64(5)]] }],
      [4, { t: TType.Struct, v: inner }],
      [200, i32(1)],
      [16, i32(2)],
    ]);
    const back = roundTrip(s);
    expect(getList(back, 1)).toHaveLength(40);
    expect(back.get(2)).toEqual(s.get(2));
    expect(back.get(3)).toEqual(s.get(3));
    expect(getInt(back, 200)).toBe(1);
    expect(getInt(back, 16)).toBe(2);
  });

  it.each([
    ["an empty buffer", new Uint8Array(0)],
    ["a struct missing its stop byte", new Uint8Array([0x15, 0x02])],
    ["a string longer than the data", new Uint8Array([0x18, 0x10, 0x41])],
    ["an unknown type code", new Uint8Array([0x1e, 0x00])],
    ["a list claiming more elements than bytes", new Uint8Array([0x19, 0xf5, 0xff, 0xff, 0x03])],
  ])("throws ThriftDecodeError on %s", (_name, bytes) => {
    expect(() => decodeStruct(bytes)).toThrow(ThriftDecodeError);
  });
});

describe.skipIf(!HAS_SHARED)(`thrift codec on real footers (${SKIP_REASON})`, () => {
  const files = [
    ...parquetFilesUnder("delta-golden/parquet-all-types"),
    ...parquetFilesUnder("delta-tables/delta-checkpoint-stats-optional", { includeLog: true }),
    ...parquetFilesUnder("delta-tables/spark-variant-checkpoint", { includeLog: true }),
  ];
  it.each(files)("re-encodes the footer of %s byte for byte", (path) => {
    const bytes = new Uint8Array(readFileSync(nodePath.join(SHARED, path)));
    const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(bytes.byteLength - 8, true);
    const footer = bytes.subarray(bytes.byteLength - 8 - length, bytes.byteLength - 8);
    const { value, end } = decodeStruct(footer);
    expect(end).toBe(footer.byteLength);
    expect(getI64(value, 3)).toBeGreaterThanOrEqual(0n);
    expect(getString(value, 6)).toBeTypeOf("string");
    expect(Buffer.from(encodeStruct(value)).equals(Buffer.from(footer))).toBe(true);
  });
});
