/**
 * `DeltaTable` as a facade: operations called on a stale object apply to the latest version, and
 * time arguments of every method take the same `TimestampLike` forms with the same refusal.
 */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { InvalidArgumentError } from "../../../src/errors/argument-errors.js";
import type { StructType } from "../../../src/schema/types.js";
import { DeltaTable } from "../../../src/table/delta-table.js";

afterEach(() => {
  vi.useRealTimers();
});

const DAY = 24 * 3600_000;
const SCHEMA: StructType = { type: "struct", fields: [{ name: "id", type: "long", nullable: true, metadata: {} }] };
const rows = (...ids: number[]) => ids.map((id) => ({ id: BigInt(id) }));

async function ids(table: DeltaTable): Promise<number[]> {
  const out: number[] = [];
  for await (const batch of table.scan()) for (const v of batch.getChild("id")!.toArray() as BigInt64Array) out.push(Number(v));
  return out.sort((a, b) => a - b);
}

async function twoWrites(): Promise<DeltaTable> {
  const table = await DeltaTable.create(`memory://facade-${randomUUID()}/t`, { schema: SCHEMA });
  await table.write(rows(1, 2));
  await table.write(rows(3));
  return table;
}

describe("DeltaTable facade", () => {
  it.each([
    ["a string that is not a date", "yesterday", '"yesterday"'],
    ["an invalid Date", new Date(Number.NaN), "an invalid Date"],
  ])("restore refuses %s as a timestamp with InvalidArgumentError naming it, committing nothing", async (_name, timestamp, shown) => {
    const table = await twoWrites();
    const err = await table.restore({ timestamp }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as InvalidArgumentError).argument).toBe("timestamp");
    expect((err as InvalidArgumentError).received).toBe(shown);
    expect((await table.refresh()).version).toBe(2);
  });

  it("restore refuses a target with both a version and a timestamp instead of picking one", async () => {
    const table = await twoWrites();
    const latest = await table.refresh();
    const target = { version: 1, timestamp: latest.timestamp } as unknown as { version: number };
    await expect(table.restore(target)).rejects.toBeInstanceOf(InvalidArgumentError);
    expect((await table.refresh()).version).toBe(2);
  });

  it("restore takes an ISO-8601 string like open({ timestamp }) does", async () => {
    const t0 = Date.UTC(2026, 0, 1);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(t0);
    const table = await DeltaTable.create(`memory://facade-${randomUUID()}/t`, { schema: SCHEMA });
    vi.setSystemTime(t0 + DAY);
    await table.write(rows(1));
    vi.setSystemTime(t0 + 2 * DAY);
    await table.write(rows(2));
    const result = await table.restore({ timestamp: new Date(t0 + DAY + 3600_000).toISOString() });
    expect(result.restoredVersion).toBe(1);
  });

  it("delete, update and merge on a stale object apply to the latest version", async () => {
    const stale = await DeltaTable.create(`memory://facade-${randomUUID()}/t`, { schema: SCHEMA });
    await stale.write(rows(1, 2, 3));
    expect((await stale.delete("id = 1")).version).toBe(2);
    expect((await stale.update({ where: "id = 2", set: { id: "20" } })).version).toBe(3);
    const merged = await stale.merge(rows(3, 4), { on: "target.id = source.id" }).whenNotMatchedInsertAll().execute();
    expect(merged.version).toBe(4);
    expect(stale.version).toBe(0);
    expect(await ids(await stale.refresh())).toEqual([3, 4, 20]);
  });
});
