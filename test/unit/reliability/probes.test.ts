/**
 * Regression tests for the defects an adversarial probe found (issue 12, part 1): numbers taken
 * from callers, out-of-range integer-backed values, typed errors at every edge, and commits the
 * protocol forbids.
 */
import { randomUUID } from "node:crypto";
import { Field, Int64, makeData, makeVector, Schema, Table, TimeUnit, Timestamp, Utf8 } from "apache-arrow";
import { describe, expect, it } from "vitest";
import {
  col,
  CorruptLogError,
  DeltaTable,
  ExpressionParseError,
  InvalidArgumentError,
  InvalidOperationError,
  InvalidSchemaError,
  InvalidStorageConfigError,
  LakelogError,
  MemoryStore,
  SchemaMismatchError,
  writeDeltaTable,
  type StructType,
} from "../../../src/index.js";
import { commitPath } from "../../../src/log/log-files.js";

const SCHEMA: StructType = {
  type: "struct",
  fields: [
    { name: "id", type: "long", nullable: true, metadata: {} },
    { name: "name", type: "string", nullable: true, metadata: {} },
  ],
};

/** A fresh memory table with two versions (0: create, 1: one append). */
async function twoVersions(): Promise<{ url: string; table: DeltaTable }> {
  const url = `memory://probe-${randomUUID()}/t`;
  const table = await DeltaTable.create(url, { schema: SCHEMA });
  await table.write([{ id: 1n, name: "a" }]);
  return { url, table: await table.refresh() };
}

async function failure(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  throw new Error("expected a failure");
}

async function expectInvalidArgument(run: () => unknown, argument: string): Promise<void> {
  const err = await failure(run);
  expect(err).toBeInstanceOf(InvalidArgumentError);
  expect((err as InvalidArgumentError).code).toBe("INVALID_ARGUMENT");
  expect((err as InvalidArgumentError).argument).toBe(argument);
}

describe("probe 1: versions, limits and sizes from callers are safe non-negative integers", () => {
  const bad: [string, unknown][] = [
    ["fractional", 1.5],
    ["NaN", NaN],
    ["negative", -1],
    ["Infinity", Infinity],
    ["a string", "1"],
    ["unsafe", 2 ** 53],
  ];

  it.each(bad)("open({ version }) refuses a %s version, and nothing is written", async (_name, version) => {
    const { url } = await twoVersions();
    await expectInvalidArgument(() => DeltaTable.open(url, { version: version as number }), "version");
    const names: string[] = [];
    for await (const m of new MemoryStore({ bucket: url.slice(9, url.indexOf("/", 9)), prefix: "t" }).list("_delta_log/"))
      names.push(m.path);
    expect(names).toEqual([commitPath(0), commitPath(1)]);
  });

  it.each(bad)("loadVersion refuses a %s version", async (_name, version) => {
    const { table } = await twoVersions();
    await expectInvalidArgument(() => table.loadVersion(version as number), "version");
  });

  it.each(bad)("history({ limit }) refuses a %s limit", async (_name, limit) => {
    const { table } = await twoVersions();
    await expectInvalidArgument(() => table.history({ limit: limit as number }), "history limit");
  });

  it.each(bad)("a scan refuses a %s limit", async (_name, limit) => {
    const { table } = await twoVersions();
    await expectInvalidArgument(() => table.toArrow({ limit: limit as number }), "scan limit");
  });

  it.each(bad)("a write refuses a %s targetFileSize and txn version before writing anything", async (_name, n) => {
    const { table } = await twoVersions();
    await expectInvalidArgument(() => table.write([{ id: 2n, name: "b" }], { targetFileSize: n as number }), "targetFileSize");
    await expectInvalidArgument(() => table.write([{ id: 2n, name: "b" }], { txn: { appId: "app", version: n as number } }), "txn.version");
    expect((await table.refresh()).version).toBe(1);
  });

  it("the valid edge values are accepted: version 0, limit 0, history limit 0", async () => {
    const { url, table } = await twoVersions();
    expect((await DeltaTable.open(url, { version: 0 })).version).toBe(0);
    expect((await table.toArrow({ limit: 0 })).numRows).toBe(0);
    expect(await table.history({ limit: 0 })).toEqual([]);
    expect((await table.history({ limit: 1 })).map((h) => h.version)).toEqual([1]);
  });

  it("a transaction refuses a bad app version and a bad maxCommitAttempts, and a second commit", async () => {
    const { table } = await twoVersions();
    await expectInvalidArgument(() => table.transaction().setAppTransaction("app", 1.5), "txn version");
    await expectInvalidArgument(() => table.transaction({ maxCommitAttempts: 0 }), "maxCommitAttempts");
    const txn = table.transaction();
    txn.setAppTransaction("app", 1);
    await txn.commit({ operation: "SET TRANSACTION" });
    expect(await failure(() => txn.commit({ operation: "SET TRANSACTION" }))).toBeInstanceOf(InvalidOperationError);
  });

  it("open refuses a garbage timestamp, and a version together with a timestamp, typed", async () => {
    const { url } = await twoVersions();
    await expectInvalidArgument(() => DeltaTable.open(url, { timestamp: "garbage" }), "timestamp");
    await expectInvalidArgument(() => DeltaTable.open(url, { timestamp: new Date(NaN) }), "timestamp");
    expect(await failure(() => DeltaTable.open(url, { version: 0, timestamp: 0 }))).toBeInstanceOf(InvalidOperationError);
  });
});

describe("probe 2: out-of-range values for integer-backed columns are refused, never wrapped", () => {
  const INT_SCHEMA: StructType = {
    type: "struct",
    fields: (["byte", "short", "integer", "long", "date", "timestamp", "timestamp_ntz", "decimal(5,2)"] as const).map((type, i) => ({
      name: `c${i}`,
      type,
      nullable: true,
      metadata: {},
    })),
  };
  const cases: [string, number, unknown][] = [
    ["byte 128", 0, 128],
    ["short -32769", 1, -32769],
    ["int 2^31", 2, 2 ** 31],
    ["long 2^63", 3, 2n ** 63n],
    ["date past 2^31 days", 4, "99999999-01-01"],
    ["timestamp 2^64 + 5", 5, 2n ** 64n + 5n],
    ["timestamp 2^63", 5, 2n ** 63n],
    ["timestamp -2^63 - 1", 5, -(2n ** 63n) - 1n],
    ["timestamp_ntz 2^63", 6, 2n ** 63n],
    ["decimal(5,2) 1000", 7, "1000"],
  ];

  it.each(cases)("a plain-object row with %s is refused with SchemaMismatchError naming the column", async (_name, index, value) => {
    const table = await DeltaTable.create(`memory://probe-${randomUUID()}/t`, { schema: INT_SCHEMA });
    const err = await failure(() => table.write([{ [`c${index}`]: value }]));
    expect(err).toBeInstanceOf(SchemaMismatchError);
    expect((err as SchemaMismatchError).fieldPath).toBe(`c${index}`);
    expect((await table.refresh()).version).toBe(0);
  });

  it("the extreme in-range timestamps are stored exactly", async () => {
    const table = await DeltaTable.create(`memory://probe-${randomUUID()}/t`, { schema: INT_SCHEMA });
    await table.write([{ c5: 2n ** 63n - 1n }, { c5: -(2n ** 63n) }]);
    const column = (await (await table.refresh()).toArrow()).getChild("c5")!;
    const values = column.data.flatMap((d) => [...(d.values as BigInt64Array)]);
    expect(values.sort()).toEqual([-(2n ** 63n), 2n ** 63n - 1n].sort());
  });

  it("Arrow seconds that overflow a microsecond timestamp are refused typed", async () => {
    const table = await DeltaTable.create(`memory://probe-${randomUUID()}/t`, { schema: INT_SCHEMA });
    const seconds = makeVector(
      makeData({ type: new Timestamp(TimeUnit.SECOND, "UTC"), length: 1, nullCount: 0, data: BigInt64Array.of(2n ** 53n) }),
    );
    const err = await failure(() => table.write(new Table({ c5: seconds })));
    expect(err).toBeInstanceOf(LakelogError);
    expect(String((err as Error).message)).toMatch(/out of range for a 64-bit timestamp/);
    expect((await table.refresh()).version).toBe(0);
  });
});

describe("probe 4: malformed input ends in a typed error", () => {
  it.each([
    ["an invalid endpoint URL", "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=a2V5;BlobEndpoint=http://[bad"],
    ["no endpoint", "AccountKey=a2V5"],
    ["no key-value pairs", "garbage"],
  ])("a malformed Azure connection string (%s) gives InvalidStorageConfigError without echoing it", async (_name, connectionString) => {
    const err = await failure(() => DeltaTable.open("az://c/t", { storage: { azure: { connectionString } } }));
    expect(err).toBeInstanceOf(InvalidStorageConfigError);
    expect((err as Error).message).not.toContain("a2V5");
  });

  it("a URL with a malformed percent-escape gives InvalidStorageConfigError", async () => {
    expect(await failure(() => DeltaTable.open("memory://b/%ZZ"))).toBeInstanceOf(InvalidStorageConfigError);
  });

  it("a filter on an empty column name gives a typed error", async () => {
    const { table } = await twoVersions();
    expect(await failure(() => table.toArrow({ filter: col("").eq(1) }))).toBeInstanceOf(ExpressionParseError);
    expect(await failure(() => table.toArrow({ filter: col("a..b").eq(1) }))).toBeInstanceOf(ExpressionParseError);
    expect(await failure(() => table.toArrow({ filter: "`` = 1" }))).toBeInstanceOf(LakelogError);
  });

  it('a column named "" is refused at write, at any depth', async () => {
    const url = `memory://probe-${randomUUID()}/t`;
    const err = await failure(() => writeDeltaTable(url, [{ "": 1n }]));
    expect(err).toBeInstanceOf(InvalidSchemaError);
    const nested = await failure(() => writeDeltaTable(url, [{ s: { "": 1n } }]));
    expect(nested).toBeInstanceOf(InvalidSchemaError);
    const arrow = new Schema([new Field("", new Int64()), new Field("x", new Utf8())]);
    expect(await failure(() => DeltaTable.create(url, { schema: arrow }))).toBeInstanceOf(InvalidSchemaError);
  });
});

describe("probe 5: commits the protocol forbids are refused as corrupt", () => {
  const line = (o: unknown) => JSON.stringify(o);
  const metaData = (id: string) => ({
    metaData: {
      id,
      format: { provider: "parquet", options: {} },
      schemaString: JSON.stringify(SCHEMA),
      partitionColumns: [],
      configuration: {},
    },
  });
  const protocol = { protocol: { minReaderVersion: 1, minWriterVersion: 2 } };
  const commitInfo = { commitInfo: { timestamp: 1 } };

  it.each([
    ["two metaData actions", [commitInfo, metaData("a"), metaData("b")].map(line).join("\n"), 3],
    ["two protocol actions", [commitInfo, protocol, protocol].map(line).join("\n"), 3],
    ["an empty file", "", undefined],
    ["only blank lines", "\n\n  \n", undefined],
  ])("a commit with %s is refused with CorruptLogError naming the file", async (_name, body, errLine) => {
    const { url, table } = await twoVersions();
    await table.store.put(commitPath(2), new TextEncoder().encode(body), { mode: "create" });
    for (const open of [() => DeltaTable.open(url), () => table.refresh()]) {
      const err = await failure(open);
      expect(err).toBeInstanceOf(CorruptLogError);
      expect((err as CorruptLogError).code).toBe("CORRUPT_LOG");
      expect((err as CorruptLogError).file).toBe(commitPath(2));
      expect((err as CorruptLogError).line).toBe(errLine);
    }
    // the versions before it still open
    expect((await DeltaTable.open(url, { version: 1 })).version).toBe(1);
  });

  it.each([["null"], ["[]"], ["7"], ['{"version": "x"}'], ["{"]])(
    "a _last_checkpoint of %s is ignored (it is only a hint)",
    async (body) => {
      const { url, table } = await twoVersions();
      await table.store.put("_delta_log/_last_checkpoint", new TextEncoder().encode(body));
      expect((await DeltaTable.open(url)).version).toBe(1);
    },
  );

  it("a commit of only unknown actions is not empty", async () => {
    const { url, table } = await twoVersions();
    await table.store.put(commitPath(2), new TextEncoder().encode(line({ futureAction: { x: 1 } })), { mode: "create" });
    expect((await DeltaTable.open(url)).version).toBe(2);
  });

  it("a writer racing against a corrupt winning commit refuses it too", async () => {
    const { table } = await twoVersions();
    await table.store.put(commitPath(2), new TextEncoder().encode([metaData("a"), metaData("b")].map(line).join("\n")), { mode: "create" });
    const txn = table.transaction();
    txn.setAppTransaction("app", 1);
    expect(await failure(() => txn.commit({ operation: "SET TRANSACTION" }))).toBeInstanceOf(CorruptLogError);
  });
});
