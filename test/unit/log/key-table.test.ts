import { describe, expect, it } from "vitest";
import { KeyTable } from "../../../src/log/key-table.js";

/** A key column and a table over it; `append` adds a slot with its key and returns the slot. */
function column(): { keys: string[]; table: KeyTable; append: (key: string) => number } {
  const keys: string[] = [];
  const table = new KeyTable((slot) => keys[slot]!);
  return { keys, table, append: (key) => keys.push(key) - 1 };
}

/** A small deterministic generator (mulberry32), so a failing sequence can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("KeyTable", () => {
  it("returns -1 for a new key and the replaced slot for a repeated one", () => {
    const { table, append } = column();
    expect(table.insert(append("a"))).toBe(-1);
    expect(table.insert(append("b"))).toBe(-1);
    expect(table.insert(append("a"))).toBe(0);
    expect(table.get("a")).toBe(2);
    expect(table.get("b")).toBe(1);
    expect(table.get("c")).toBe(-1);
    expect(table.size).toBe(2);
  });

  it("deletes a key and lets it come back under a new slot", () => {
    const { table, append } = column();
    table.insert(append("a"));
    expect(table.delete("a")).toBe(0);
    expect(table.delete("a")).toBe(-1);
    expect(table.get("a")).toBe(-1);
    expect(table.insert(append("a"))).toBe(-1);
    expect(table.get("a")).toBe(1);
    expect(table.size).toBe(1);
  });

  it.each([
    ["the empty string", ""],
    ["a NUL-joined deletion-vector key", "f.parquet\u0000u1x@3"],
    ["non-Latin-1 text", "daten/straße=ß/文件.parquet"],
  ])("stores %s like any other key", (_, key) => {
    const { table, append } = column();
    table.insert(append("other"));
    expect(table.insert(append(key))).toBe(-1);
    expect(table.get(key)).toBe(1);
  });

  it("grows far past its initial size without reserve and keeps every key", () => {
    const { table, append } = column();
    const name = (i: number) => `part=${i % 7}/file-${i}.parquet`;
    const inserted = Array.from({ length: 50_000 }, (_, i) => table.insert(append(name(i))));
    expect(inserted.every((previous) => previous === -1)).toBe(true);
    expect(table.size).toBe(50_000);
    const found = Array.from({ length: 50_000 }, (_, i) => table.get(name(i)));
    expect(found.every((slot, i) => slot === i)).toBe(true);
  });

  it("survives heavy delete and re-insert churn (deleted cells are reclaimed on rehash)", () => {
    const { table, append } = column();
    const deleted: number[] = [];
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 2_000; i++) table.insert(append(`r${round}/f${i}`));
      for (let i = 0; i < 2_000; i++) deleted.push(table.delete(`r${round}/f${i}`));
    }
    expect(deleted).toEqual(Array.from({ length: 40_000 }, (_, slot) => slot));
    expect(table.size).toBe(0);
    expect(table.insert(append("last"))).toBe(-1);
    expect(table.get("last")).toBe(40_000);
  });

  it("insertRange gives the same table and replaced slots as inserting one by one, across hash batches", () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => `p/${i % 3_000}`); // each key 3 or 4 times, spread over >2 batches
    const one = column();
    const range = column();
    for (const k of keys) {
      one.append(k);
      range.append(k);
    }
    const replacedOneByOne: number[] = [];
    for (let slot = 0; slot < keys.length; slot++) {
      const previous = one.table.insert(slot);
      if (previous >= 0) replacedOneByOne.push(previous);
    }
    const replaced = range.table.insertRange(0, keys.length);
    expect([...replaced].sort((a, b) => a - b)).toEqual([...replacedOneByOne].sort((a, b) => a - b));
    expect(range.table.size).toBe(3_000);
    const live = (table: KeyTable) => Array.from({ length: 3_000 }, (_, i) => table.get(`p/${i}`));
    expect(live(range.table)).toEqual(live(one.table));
    expect(live(range.table)).toEqual(Array.from({ length: 3_000 }, (_, i) => i + 9_000 - (i >= 1_000 ? 3_000 : 0)));
  });

  it("insertRange with an empty range changes nothing", () => {
    const { table, append } = column();
    table.insert(append("a"));
    expect(table.insertRange(1, 1)).toEqual([]);
    expect(table.size).toBe(1);
  });

  it("agrees with a Map under a random mix of inserts, deletes and lookups", () => {
    const next = random(42);
    const { table, append } = column();
    const model = new Map<string, number>();
    const disagreements: string[] = [];
    const check = (step: number, what: string, actual: number, expected: number) => {
      if (actual !== expected) disagreements.push(`step ${step}: ${what} gave ${actual}, expected ${expected}`);
    };
    for (let step = 0; step < 30_000; step++) {
      const key = `k${Math.floor(next() * 3_000)}`;
      const op = next();
      if (op < 0.5) {
        const slot = append(key);
        check(step, `insert ${key}`, table.insert(slot), model.get(key) ?? -1);
        model.set(key, slot);
      } else if (op < 0.8) {
        check(step, `delete ${key}`, table.delete(key), model.get(key) ?? -1);
        model.delete(key);
      } else {
        check(step, `get ${key}`, table.get(key), model.get(key) ?? -1);
      }
    }
    expect(disagreements).toEqual([]);
    expect(table.size).toBe(model.size);
  });

  it("reserve keeps the keys already entered", () => {
    const { table, append } = column();
    for (let i = 0; i < 100; i++) table.insert(append(`f${i}`));
    table.reserve(100_000);
    for (let i = 0; i < 100; i++) expect(table.get(`f${i}`)).toBe(i);
    expect(table.size).toBe(100);
  });
});
