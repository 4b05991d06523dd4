/**
 * The variant binary codec: encode → decode round trips for arbitrary JSON values (fast-check),
 * the exact bytes of the specification's layouts and of Spark-written values, every primitive
 * type, the typed refusals of values with no variant form and of malformed bytes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../../src/errors/argument-errors.js";
import { MalformedVariantError } from "../../../src/errors/variant-errors.js";
import { decodeVariant, parseMetadata, validateVariant, variantToJson } from "../../../src/variant/decode.js";
import { encodeArray, encodeDecimal, encodeMetadata, encodeObject, encodeVariant } from "../../../src/variant/encode.js";
import { VariantDate, VariantDecimal, VariantTime, VariantTimestamp, VariantUuid } from "../../../src/variant/values.js";

const roundTrip = (v: unknown) => {
  const { metadata, value } = encodeVariant(v);
  return decodeVariant(metadata, value);
};

describe("encodeVariant / decodeVariant", () => {
  it("decode(encode(x)) equals x for arbitrary JSON values", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(roundTrip(v)).toStrictEqual(v);
      }),
      { numRuns: 500 },
    );
  });

  it("JSON text of the decoded value parses back to the value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const { metadata, value } = encodeVariant(v);
        expect(JSON.parse(variantToJson(metadata, value))).toStrictEqual(JSON.parse(JSON.stringify(v)));
      }),
      { numRuns: 300 },
    );
  });

  it("keeps large objects and arrays (4-byte counts, wide offsets and field ids)", () => {
    const big = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, "x".repeat(i % 70)]));
    const list = Array.from({ length: 70_000 }, (_, i) => i);
    expect(roundTrip(big)).toStrictEqual(big);
    expect(roundTrip(list)).toStrictEqual(list);
    expect(roundTrip({ s: "é".repeat(40_000) })).toStrictEqual({ s: "é".repeat(40_000) });
  });

  it.each([
    ["int8", 127, 2],
    ["int16", -32768, 3],
    ["int32", 2 ** 31 - 1, 5],
    ["int64", 2 ** 53 - 1, 9],
    ["double", 1.5, 9],
    ["double (-0)", -0, 9],
    ["double (past 2^53)", 2 ** 60, 9],
    ["short string", "x".repeat(63), 64],
    ["long string", "x".repeat(64), 69],
  ])("encodes %s as the smallest fitting type (%s → %i bytes)", (_name, v, size) => {
    const { value } = encodeVariant(v);
    expect(value.length).toBe(size);
    expect(Object.is(decodeVariant(encodeVariant(v).metadata, value), v)).toBe(true);
  });

  it("round-trips the typed scalars, bigint, binary, Date and nested mixes", () => {
    const uuid = VariantUuid.parse("123e4567-e89b-12d3-a456-426614174000")!;
    const v = {
      dec4: new VariantDecimal(-1250n, 2),
      dec8: new VariantDecimal(123456789012345n, 5),
      dec16: new VariantDecimal(-(10n ** 37n) + 7n, 38),
      date: new VariantDate(-1),
      ts: new VariantTimestamp(1_700_000_000_123_456n),
      ntz: new VariantTimestamp(-1n, "micros", false),
      nanos: new VariantTimestamp(1n, "nanos", true),
      time: new VariantTime(3_723_000_001n),
      uuid,
      bin: Uint8Array.of(0, 255, 7),
      big: [-(2n ** 63n), 2n ** 63n - 1n],
      nested: [{ a: [null, true, false] }, []],
    };
    expect(roundTrip(v)).toStrictEqual(v);
    const at = new Date("2024-05-01T10:00:00.123Z");
    expect((roundTrip(at) as VariantTimestamp).toDate()).toEqual(at);
    expect(String(roundTrip(at))).toBe("2024-05-01T10:00:00.123000Z");
    expect(String(v.dec16)).toBe("-0.09999999999999999999999999999999999993");
    expect(uuid.toString()).toBe("123e4567-e89b-12d3-a456-426614174000");
  });

  it("decodes int64 as a bigint past 2^53, or always with int64: 'bigint'", () => {
    const { metadata, value } = encodeVariant(5n);
    expect(decodeVariant(metadata, value)).toBe(5);
    expect(decodeVariant(metadata, value, { int64: "bigint" })).toBe(5n);
    expect(roundTrip(2n ** 60n)).toBe(2n ** 60n);
  });

  it("skips undefined in objects and writes it as null in arrays, like JSON", () => {
    expect(roundTrip({ a: undefined, b: [undefined, 1] })).toStrictEqual({ b: [null, 1] });
  });

  it("keeps a __proto__ key as a key", () => {
    const v = JSON.parse('{"__proto__": {"x": 1}}') as object;
    const back = roundTrip(v) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back)).toEqual(["__proto__"]);
  });

  it("sorts the dictionary by code point (UTF-8 byte order) and flags it sorted", () => {
    const { metadata } = encodeVariant({ b: 1, "\u{1F600}": 2, "\uFFFD": 3, a: { c: 4 } });
    const dict = parseMetadata(metadata);
    expect(dict.sorted).toBe(true);
    expect(Array.from({ length: dict.size }, (_, i) => dict.name(i))).toEqual(["a", "b", "c", "\uFFFD", "\u{1F600}"]);
  });

  it.each([
    ["a Map", new Map(), "variant.m"],
    ["a class instance", new (class Point {})(), "variant.m"],
    ["a function", () => 1, "variant.m"],
    ["a symbol", Symbol("s"), "variant.m"],
    ["a bigint outside int64", 2n ** 63n, "variant.m"],
    ["an invalid Date", new Date(NaN), "variant.m"],
    ["a lone surrogate", "\uD800", "variant.m"],
    ["a decimal of 39 digits", new VariantDecimal(10n ** 38n, 0), "variant.m"],
  ])("refuses %s with InvalidArgumentError naming the path", (_name, bad, path) => {
    const err = (() => {
      try {
        encodeVariant({ m: bad });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as InvalidArgumentError).argument).toBe(`variant value at ${path}`);
  });

  it("refuses a cyclic structure", () => {
    const a: Record<string, unknown> = {};
    a.self = [a];
    expect(() => encodeVariant(a, "payload")).toThrow(/payload\.self\[0\]/);
  });
});

describe("bytes", () => {
  it("decodes what Spark wrote for parse_json('{\"key\": 3}') (unsorted dictionary)", () => {
    const metadata = Uint8Array.of(1, 1, 0, 3, 107, 101, 121);
    const value = Uint8Array.of(2, 1, 0, 0, 2, 12, 3);
    expect(decodeVariant(metadata, value)).toStrictEqual({ key: 3 });
    expect(variantToJson(metadata, value)).toBe('{"key":3}');
    // our encoding of the same value differs only in the sorted flag
    const ours = encodeVariant({ key: 3 });
    expect([...ours.value]).toEqual([...value]);
    expect([...ours.metadata]).toEqual([0x11, 1, 0, 3, 107, 101, 121]);
  });

  it("reads an object whose values are not in field order, and unsorted dictionaries with wide offsets", () => {
    const metadata = encodeMetadata(["z", "a"], false);
    // fields sorted by name: a (id 1) then z (id 0); values stored z first
    const z = Uint8Array.of(3 << 2, 9);
    const a = Uint8Array.of(1 << 2);
    const value = new Uint8Array([2, 2, 1, 0, 2, 0, 3, ...z, ...a]);
    expect(decodeVariant(metadata, value)).toStrictEqual({ a: true, z: 9 });
    const wide = encodeObject([{ id: 0, value: Uint8Array.of(0) }], 70_000);
    expect(wide[0]! >> 4).toBe(2); // field_id_size_minus_one = 2 (3-byte ids)
    expect(encodeArray([]).length).toBe(3);
    expect(encodeDecimal(1n, 39)).toBeUndefined();
  });

  it.each([
    ["an empty metadata", new Uint8Array(0), Uint8Array.of(0)],
    ["metadata version 2", Uint8Array.of(2, 0, 0), Uint8Array.of(0)],
    ["a truncated int64", Uint8Array.of(1, 0, 0), Uint8Array.of(6 << 2, 1, 2)],
    ["an unknown primitive type id", Uint8Array.of(1, 0, 0), Uint8Array.of(31 << 2)],
    ["a field id outside the dictionary", Uint8Array.of(1, 0, 0), Uint8Array.of(2, 1, 5, 0, 1, 0)],
    ["an array offset past the end", Uint8Array.of(1, 0, 0), Uint8Array.of(3, 1, 0, 9, 0)],
    ["invalid UTF-8 in a string", Uint8Array.of(1, 0, 0), Uint8Array.of((1 << 2) | 1, 0xff)],
  ])("refuses %s with MalformedVariantError (decode and validate alike)", (_name, metadata, value) => {
    expect(() => decodeVariant(metadata, value)).toThrow(MalformedVariantError);
    expect(() => validateVariant(metadata, value)).toThrow(MalformedVariantError);
  });

  it("validates what it encodes, and refuses what decode refuses, for random bytes after a valid header", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.uint8Array({ maxLength: 12 }), (v, noise) => {
        const { metadata, value } = encodeVariant(v);
        validateVariant(metadata, value);
        const damaged = Uint8Array.from([...value.subarray(0, 1), ...noise]);
        const outcome = (run: () => unknown) => {
          try {
            run();
            return "ok";
          } catch (e) {
            return e instanceof MalformedVariantError ? "malformed" : `other: ${String(e)}`;
          }
        };
        expect(outcome(() => validateVariant(metadata, damaged))).toBe(outcome(() => decodeVariant(metadata, damaged)));
      }),
      { numRuns: 500 },
    );
  });
});
