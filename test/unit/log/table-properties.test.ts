import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InvalidTablePropertyError } from "../../../src/errors/log-errors.js";
import { parseIntervalMs, readTableProperties } from "../../../src/log/table-properties.js";
import { DeltaTable } from "../../../src/table/delta-table.js";

const DAY = 86_400_000;

describe("readTableProperties", () => {
  it("gives Spark's defaults when nothing is set", () => {
    const p = readTableProperties({});
    expect([p.appendOnly, p.enableChangeDataFeed, p.enableDeletionVectors, p.enableInCommitTimestamps, p.enableTypeWidening]).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
    expect([p.checkpointInterval, p.logRetentionMs, p.deletedFileRetentionMs, p.enableExpiredLogCleanup]).toEqual([
      10,
      30 * DAY,
      7 * DAY,
      true,
    ]);
    expect([p.checkpointWriteStatsAsJson, p.checkpointWriteStatsAsStruct, p.checkpointPolicy]).toEqual([true, true, "classic"]);
    expect([p.dataSkippingNumIndexedCols, p.randomizeFilePrefixes, p.randomPrefixLength, p.columnMappingMaxColumnId]).toEqual([
      32,
      false,
      2,
      0,
    ]);
    expect(p.inCommitTimestampEnablementVersion).toBeUndefined();
  });

  it.each([
    ["true", true],
    ["TRUE", true],
    [" True ", true],
    ["false", false],
    ["FaLsE", false],
  ])("reads the boolean %j as %s, in any case (Scala toBoolean)", (text, value) => {
    expect(readTableProperties({ "delta.appendOnly": text }).appendOnly).toBe(value);
  });

  it.each(["yes", "1", "", "truee"])("refuses the boolean %j typed, naming key and value", (text) => {
    const err = (() => {
      try {
        return readTableProperties({ "delta.enableChangeDataFeed": text }, "memory://t").enableChangeDataFeed;
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InvalidTablePropertyError);
    expect(err).toMatchObject({ code: "INVALID_TABLE_PROPERTY", key: "delta.enableChangeDataFeed", value: text, tableUrl: "memory://t" });
  });

  it.each([
    ["interval 30 days", 30 * DAY],
    ["30 days", 30 * DAY],
    ["INTERVAL 1 WEEK", 7 * DAY],
    ["interval 1 day 12 hours", 1.5 * DAY],
    ["interval 168 hours", 7 * DAY],
    ["interval 90 minutes 30 seconds", 90 * 60_000 + 30_000],
    ["interval 2000 milliseconds", 2000],
  ])("parses the interval %j", (text, ms) => {
    expect(parseIntervalMs(text)).toBe(ms);
    expect(readTableProperties({ "delta.logRetentionDuration": text }).logRetentionMs).toBe(ms);
  });

  it.each(["interval 1 month", "1 year", "interval", "interval five days", "7", "interval 7 fortnights", "interval -1 day"])(
    "refuses the duration %j",
    (text) => {
      expect(() => readTableProperties({ "delta.deletedFileRetentionDuration": text }).deletedFileRetentionMs).toThrow(
        InvalidTablePropertyError,
      );
    },
  );

  it.each([
    ["delta.checkpointInterval", "0"],
    ["delta.checkpointInterval", "ten"],
    ["delta.checkpointInterval", "1.5"],
    ["delta.dataSkippingNumIndexedCols", "-2"],
    ["delta.checkpointPolicy", "v3"],
  ])("refuses %s = %j", (key, text) => {
    const p = readTableProperties({ [key]: text });
    const read = () =>
      key === "delta.checkpointInterval"
        ? p.checkpointInterval
        : key === "delta.checkpointPolicy"
          ? p.checkpointPolicy
          : p.dataSkippingNumIndexedCols;
    expect(read).toThrow(InvalidTablePropertyError);
  });

  it("parses integers with a sign and blanks as Java does", () => {
    expect(readTableProperties({ "delta.checkpointInterval": " +25 " }).checkpointInterval).toBe(25);
    expect(readTableProperties({ "delta.dataSkippingNumIndexedCols": "-1" }).dataSkippingNumIndexedCols).toBe(-1);
  });

  it("parses lazily: a bad value breaks only the property that holds it", () => {
    const p = readTableProperties({ "delta.checkpointInterval": "nope", "delta.appendOnly": "true" });
    expect(p.appendOnly).toBe(true);
    expect(() => p.checkpointInterval).toThrow(InvalidTablePropertyError);
  });
});

describe("in-commit timestamps enabled with a capitalised TRUE", () => {
  it("are written by the writer and read by the reader and by time travel alike", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lakelog-ict-"));
    const first = { id: 1n };
    await DeltaTable.create(dir, {
      schema: { type: "struct", fields: [{ name: "id", type: "long", nullable: true, metadata: {} }] },
      properties: { "delta.enableInCommitTimestamps": "TRUE" },
    });
    const table = await DeltaTable.open(dir);
    await table.write([first]);
    const latest = await table.refresh();
    const history = await latest.history();
    const ict = history[0]!.inCommitTimestamp;
    // the writer stamped an in-commit timestamp, and the snapshot's time is that value, not the file's mtime
    expect(typeof ict).toBe("number");
    expect(latest.timestamp.getTime()).toBe(ict);
    // time travel by that timestamp resolves through in-commit timestamps to the same version
    const travelled = await DeltaTable.open(dir, { timestamp: ict as number });
    expect(travelled.version).toBe(latest.version);
    expect(travelled.timestamp.getTime()).toBe(ict);
  });
});
