import { InvalidArgumentError } from "../../../src/errors/argument-errors.js";
import { randomBytes, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decodeZ85, encodeZ85, uuidToZ85, Z85_ALPHABET, z85ToUuid } from "../../../src/dv/z85.js";

const bytesOf = (text: string) => {
  const result = decodeZ85(text);
  if (!result.ok) throw new Error(result.reason);
  return [...result.bytes];
};

describe("Z85", () => {
  it("has the 85-character ZeroMQ alphabet with no repeats", () => {
    expect(Z85_ALPHABET).toHaveLength(85);
    expect(new Set(Z85_ALPHABET).size).toBe(85);
  });

  it("encodes and decodes the RFC 32 test vector", () => {
    const bytes = new Uint8Array([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);
    expect(encodeZ85(bytes)).toBe("HelloWorld");
    expect(bytesOf("HelloWorld")).toEqual([...bytes]);
  });

  it.each([
    ["all zeros", [0, 0, 0, 0], "00000"],
    ["all ones", [255, 255, 255, 255], "%nSc0"],
    ["empty", [], ""],
  ])("encodes %s", (_name, bytes, text) => {
    expect(encodeZ85(new Uint8Array(bytes))).toBe(text);
    expect(bytesOf(text)).toEqual(bytes);
  });

  it.each([1, 2, 3, 5, 34, 99])("zero-pads a %i-byte input to whole groups (Spark's convention)", (length) => {
    const bytes = randomBytes(length);
    const text = encodeZ85(bytes);
    expect(text).toHaveLength(Math.ceil(length / 4) * 5);
    const decoded = bytesOf(text);
    expect(decoded.slice(0, length)).toEqual([...bytes]);
    expect(decoded.slice(length).every((b) => b === 0)).toBe(true);
  });

  it("round-trips random bytes of many lengths", () => {
    for (let length = 0; length < 200; length += 4) {
      const bytes = randomBytes(length);
      expect(bytesOf(encodeZ85(bytes))).toEqual([...bytes]);
    }
  });

  it("decodes the '#'-padded tail group delta-rs writes (cdf-table-with-dv, row 3)", () => {
    // 34 bytes: the last group holds 2 bytes (03 00) behind two '#' characters
    const bytes = bytesOf("^Bg9^0rr910000000000iXQKl0rr91000005c8Xg##093");
    expect(bytes).toHaveLength(34);
    expect(bytes.slice(32)).toEqual([0x03, 0x00]);
    expect(bytesOf("#0000")).toEqual([0, 0, 0]);
    expect(bytesOf("###00")).toEqual([0]);
  });

  it.each([
    ["a length that is not a multiple of 5", "abcd", /multiple of 5/],
    ["a character outside the alphabet", "abc~e", /not in the Z85 alphabet/],
    ["a non-ASCII character", "abcdé", /not in the Z85 alphabet/],
    ["a group above 2^32 - 1", "%nSc1", /exceeds 32 bits/],
    ["a '#' group that is not the last", "##09300000", /not in the Z85 alphabet|exceeds/],
    ["a tail whose digits overflow its bytes", "##%%%", /exceeds 16 bits/],
    ["a group of padding only", "#####", /all padding/],
  ])("refuses %s", (_name, text, reason) => {
    const result = decodeZ85(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});

describe("UUIDs in Z85", () => {
  it("decodes a real descriptor's UUID to its file name (table-with-dv-small)", () => {
    expect(z85ToUuid("vBn[lx{q8@P<9BNH/isA")).toEqual({ ok: true, uuid: "61d16c75-6994-46b7-a15b-8b538852e50e" });
  });

  it("matches the protocol's example: ab^-aqEH.-t@S}K{vb[*k^ is prefix ab and d2c639aa-...", () => {
    expect(uuidToZ85("d2c639aa-8816-431a-aaf6-d3fe2512ff61")).toBe("^-aqEH.-t@S}K{vb[*k^");
  });

  it("round-trips random UUIDs in 20 characters", () => {
    for (let i = 0; i < 50; i++) {
      const uuid = randomUUID();
      const text = uuidToZ85(uuid);
      expect(text).toHaveLength(20);
      expect(z85ToUuid(text)).toEqual({ ok: true, uuid });
    }
  });

  it("refuses text of the wrong length and things that are not UUIDs", () => {
    expect(z85ToUuid("short").ok).toBe(false);
    expect(() => uuidToZ85("not-a-uuid")).toThrow(InvalidArgumentError);
  });
});
