/**
 * Vacuum through `DeltaTable` on real written tables (memory store; `Date` faked so commits,
 * tombstones and file times are days apart): every version within the retention still reads
 * after vacuum, the VACUUM START / END commit infos carry Spark's fields, short retentions are
 * refused typed, a retention property given as a Spark interval is honoured and a malformed one
 * refused, unsupported writer features refuse, an aborted vacuum stops, and progress is reported.
 */
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { InvalidArgumentError } from "../../../../src/errors/argument-errors.js";
import { InvalidTablePropertyError, UnsupportedFeatureError } from "../../../../src/errors/log-errors.js";
import { VacuumRetentionTooShortError } from "../../../../src/errors/maintenance-vacuum-errors.js";
import type { VacuumProgress } from "../../../../src/ops/maintenance/vacuum.js";
import type { StructType } from "../../../../src/schema/types.js";
import { MemoryStore } from "../../../../src/storage/memory-store.js";
import { DeltaTable } from "../../../../src/table/delta-table.js";
import { metadataFor, writeCommit } from "../../../helpers/table-builder.js";

const DAY = 24 * 3600_000;
const T0 = Date.UTC(2026, 0, 1);
const SCHEMA: StructType = { type: "struct", fields: [{ name: "id", type: "long", nullable: true, metadata: {} }] };
const rows = (...ids: number[]) => ids.map((id) => ({ id: BigInt(id) }));

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
});
afterEach(() => {
  vi.useRealTimers();
});

const at = (day: number) => vi.setSystemTime(T0 + day * DAY);

async function ids(table: DeltaTable): Promise<number[]> {
  const out: number[] = [];
  for await (const batch of table.scan()) for (const v of batch.getChild("id")!.toArray() as BigInt64Array) out.push(Number(v));
  return out.sort((a, b) => a - b);
}

/** v0 create, v1 day 0 [1], v2 day 2 overwrite [2], v3 day 4 overwrite [3], v4 day 6 append [4]. */
async function historyTable(properties?: Record<string, string>): Promise<DeltaTable> {
  at(0);
  const table = await DeltaTable.create(`memory://vacuum-${randomUUID()}/t`, { schema: SCHEMA, properties });
  await table.write(rows(1));
  at(2);
  await table.write(rows(2), { mode: "overwrite" });
  at(4);
  await table.write(rows(3), { mode: "overwrite" });
  at(6);
  await table.write(rows(4));
  return table.refresh();
}

describe("vacuum through DeltaTable", () => {
  it.each(["lite", "full"] as const)("%s: every version within the retention still reads; older data is gone", async (mode) => {
    const table = await historyTable();
    at(10); // cutoff day 3: version 2 was current then, so versions 2-4 must stay readable
    const result = await table.vacuum({ mode, dryRun: false });
    expect(result.filesDeleted).toHaveLength(1);
    expect(result.minRetainedTimestamp).toBe(T0 + 3 * DAY);
    for (const [version, expected] of [
      [2, [2]],
      [3, [3]],
      [4, [3, 4]],
    ] as const) {
      expect(await ids(await table.loadVersion(version))).toEqual(expected);
    }
    await expect(ids(await table.loadVersion(1))).rejects.toThrow();
  });

  it("records VACUUM START and VACUUM END as Spark does", async () => {
    const table = await historyTable();
    at(10);
    const result = await table.vacuum({ mode: "full", dryRun: false });
    const history = await (await table.refresh()).history({ limit: 2 });
    const [end, start] = history;
    expect(start!.version).toBe(result.startVersion);
    expect(start!.operation).toBe("VACUUM START");
    expect(start!.operationParameters).toEqual({
      retentionCheckEnabled: "true",
      defaultRetentionMillis: String(7 * DAY),
      vacuumType: "FULL",
    });
    expect(start!.operationMetrics).toEqual({ numFilesToDelete: "1", sizeOfDataToDelete: String(result.bytes) });
    expect(end!.version).toBe(result.endVersion);
    expect(end!.operation).toBe("VACUUM END");
    expect(end!.operationParameters).toEqual({ status: "COMPLETED" });
    expect(end!.operationMetrics).toEqual({ numDeletedFiles: "1", numVacuumedDirectories: "0" });
  });

  it("a dry run commits nothing and deletes nothing", async () => {
    const table = await historyTable();
    at(10);
    const before = (await table.refresh()).version;
    const result = await table.vacuum({ mode: "full" });
    expect(result.dryRun).toBe(true);
    expect(result.filesDeleted).toHaveLength(1);
    expect((await table.refresh()).version).toBe(before);
    expect(await ids(await table.loadVersion(1))).toEqual([1]);
  });

  it("refuses a retention below deletedFileRetentionDuration, typed, unless enforceRetention is false", async () => {
    const table = await historyTable({ "delta.deletedFileRetentionDuration": "interval 2 days" });
    at(10);
    const refused = await table.vacuum({ retentionHours: 47 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(VacuumRetentionTooShortError);
    expect(refused).toMatchObject({ code: "VACUUM_RETENTION_TOO_SHORT", requestedHours: 47, minimumHours: 48 });
    expect((await table.vacuum({ retentionHours: 48 })).retentionMillis).toBe(2 * DAY);
    // cutoff day 9: the files of versions 1 and 2 go; v4 (files 3 and 4) stays
    const unchecked = await table.vacuum({ retentionHours: 24, enforceRetention: false, mode: "full" });
    expect(unchecked.filesDeleted).toHaveLength(2);
    await expect(table.vacuum({ retentionHours: -1 })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it("refuses an invalid retention property, typed", async () => {
    const table = await historyTable({ "delta.deletedFileRetentionDuration": "interval 1 month" });
    await expect(table.vacuum()).rejects.toBeInstanceOf(InvalidTablePropertyError);
  });

  it("refuses a table with writer features lakelog does not support (vacuumProtocolCheck)", async () => {
    const store = new MemoryStore();
    await writeCommit(store, 0, [
      {
        protocol: {
          minReaderVersion: 3,
          minWriterVersion: 7,
          readerFeatures: ["vacuumProtocolCheck"],
          writerFeatures: ["vacuumProtocolCheck", "someFutureFeature"],
        },
      },
      metadataFor([["id", "long"]]),
    ]);
    const table = await DeltaTable.open(store.rootUrl, { store });
    const err = await table.vacuum().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedFeatureError);
    expect((err as UnsupportedFeatureError).features).toEqual(["someFutureFeature"]);
  });

  it("stops when aborted and reports progress", async () => {
    const table = await historyTable();
    at(10);
    const progress: VacuumProgress[] = [];
    const done = await table.vacuum({ mode: "full", onProgress: (p) => progress.push(p) });
    expect(progress.at(-1)).toMatchObject({ phase: "plan", candidates: done.filesDeleted.length, examined: done.filesExamined });
    const controller = new AbortController();
    controller.abort();
    await expect(table.vacuum({ mode: "full", dryRun: false, signal: controller.signal })).rejects.toThrow();
    expect(await ids(await table.loadVersion(1))).toEqual([1]);
  });
});
