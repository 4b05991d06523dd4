/**
 * The all-features round trip (issue 13's last item): one table with every writer feature lakelog
 * supports that can coexist goes through appends, an update and a delete (deletion vectors), a
 * merge, a widening `schemaMode: "merge"` write, optimize, a checkpoint and one more append; then
 * every version is read back (latest, by version, by in-commit timestamp) and compared with a model
 * of plain JS rows kept here. Checked along the way: identity values, the generated column, row IDs
 * and row commit versions, the change data feed, variant values, the widened column, and the table
 * opened from the v2 checkpoint against the table replayed from the JSON log.
 *
 * The table: column mapping `name`, row tracking, deletion vectors, change data feed, in-commit
 * timestamps, `delta.checkpointPolicy = v2`, type widening, variant shredding, a CHECK constraint
 * and a legacy invariant, an identity column (GENERATED ALWAYS), a generated column, timestamp_ntz,
 * liquid clustering (set through a public `Transaction`: `DeltaTable.create` has no clustering
 * option), `appendOnly` and `vacuumProtocolCheck` as supported features (`delta.appendOnly` itself
 * stays off, since the scenario deletes). Two shapes: "nested" has a variant and a struct column,
 * "flat" has neither (its protocol is the same: `delta.enableVariantShredding` alone asks for the
 * variant features).
 *
 * Left out of the main table: the preview/legacy names `typeWidening-preview`,
 * `variantType-preview`, `variantShredding-preview` and `liquid` name the same features as
 * `typeWidening`, `variantType`, `variantShredding` and `clustering`; a table carries one or the
 * other. The last test shows lakelog accepts a table listing all of SUPPORTED_WRITER_FEATURES.
 *
 * Refused by lakelog, asserted (typed, table unchanged) in "what the all-features table refuses":
 * - widening a column that a CHECK constraint or an invariant reads (`amount`): SchemaMismatchError,
 *   as in Spark (constraints would be re-typed silently); the scenario widens `qty` instead;
 * - clustering (z-order) optimize of a table with a struct or variant column:
 *   InvalidOptimizeOptionError (z-order supports flat schemas only); the nested table is bin-packed
 *   with `optimize({ zOrderBy: [] })`, the flat one is clustered;
 * - a MERGE value for a struct or variant column that is not a column of the same type (an
 *   expression): InvalidArgumentError (such columns are copied whole; expressions compute
 *   primitive values only). MERGE inserts into both tables are tested there (identity values
 *   allocated, struct and variant copied); the scenario's merge updates and deletes only.
 */
import { Field, Int32, Int64, type Table, TimeUnit, Timestamp, Type } from "apache-arrow";
import { afterAll, describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../../src/errors/argument-errors.js";
import { InvalidOptimizeOptionError } from "../../../src/errors/optimize-errors.js";
import { SchemaMismatchError } from "../../../src/errors/schema-errors.js";
import { SUPPORTED_WRITER_FEATURES } from "../../../src/txn/protocol-support.js";
import type { AddFile } from "../../../src/log/actions.js";
import type { StructField, StructType } from "../../../src/schema/types.js";
import { DeltaTable } from "../../../src/table/delta-table.js";
import { Transaction } from "../../../src/txn/transaction.js";
import { decodeVariant } from "../../../src/variant/decode.js";
import { encodeVariant } from "../../../src/variant/encode.js";
import { testBatch } from "../../helpers/write-arrow.js";
import { actionsOf, expectRefusedCleanly, memoryUrl, removeTempDirs, tempTableDir } from "../../helpers/write-tables.js";

afterAll(removeTempDirs);

const f = (name: string, type: StructField["type"], metadata: Record<string, unknown> = {}, nullable = true): StructField => ({
  name,
  type,
  nullable,
  metadata,
});

type Shape = "nested" | "flat";

function schemaOf(shape: Shape): StructType {
  const fields = [
    f("id", "long", { "delta.identity.start": 1, "delta.identity.step": 1, "delta.identity.allowExplicitInsert": false }, false),
    f("ts", "timestamp"),
    f("day", "date", { "delta.generationExpression": "CAST(ts AS DATE)" }),
    f("amount", "integer", { "delta.invariants": JSON.stringify({ expression: { expression: "amount < 1000000" } }) }),
    f("qty", "integer"),
    f("local", "timestamp_ntz"),
  ];
  if (shape === "nested") {
    fields.push(f("payload", "variant"), f("info", { type: "struct", fields: [f("city", "string"), f("zip", "integer")] }));
  }
  return { type: "struct", fields };
}

const PROPERTIES: Record<string, string> = {
  "delta.columnMapping.mode": "name",
  "delta.enableRowTracking": "true",
  "delta.enableDeletionVectors": "true",
  "delta.enableChangeDataFeed": "true",
  "delta.enableInCommitTimestamps": "true",
  "delta.checkpointPolicy": "v2",
  "delta.enableTypeWidening": "true",
  "delta.enableVariantShredding": "true",
  "delta.constraints.amount_nonneg": "amount >= 0",
  "delta.feature.clustering": "supported",
  "delta.feature.appendOnly": "supported",
  "delta.feature.vacuumProtocolCheck": "supported",
  // the scenario checkpoints explicitly; no automatic checkpoint at version 10
  "delta.checkpointInterval": "1000",
};

const READER_FEATURES = [
  "columnMapping",
  "deletionVectors",
  "timestampNtz",
  "typeWidening",
  "v2Checkpoint",
  "vacuumProtocolCheck",
  "variantShredding",
  "variantType",
];
const WRITER_FEATURES = [
  "appendOnly",
  "changeDataFeed",
  "checkConstraints",
  "clustering",
  "columnMapping",
  "deletionVectors",
  "domainMetadata",
  "generatedColumns",
  "identityColumns",
  "inCommitTimestamp",
  "invariants",
  "rowTracking",
  "timestampNtz",
  "typeWidening",
  "v2Checkpoint",
  "vacuumProtocolCheck",
  "variantShredding",
  "variantType",
];
/** Names of SUPPORTED_WRITER_FEATURES that are another name of a feature in WRITER_FEATURES. */
const ALIASES = ["liquid", "typeWidening-preview", "variantShredding-preview", "variantType-preview"];

/** One row as the model keeps it; `day` is not kept, it is derived from `ts`. */
interface ModelRow {
  id: number;
  ts: number;
  amount: number;
  qty: number;
  local: number | null;
  payload?: unknown;
  info?: { city: string; zip: number } | null;
}

const DAY_MS = 86_400_000;
const clone = (rows: ModelRow[]): ModelRow[] => rows.map((r) => ({ ...r }));
const at = (iso: string) => Date.parse(iso);

/** The model's rows as the table should return them: `day` computed, sorted by id. */
function expectedRows(rows: ModelRow[], shape: Shape): Array<Record<string, unknown>> {
  return rows
    .map((r) => {
      const out: Record<string, unknown> = { ...r, day: Math.floor(r.ts / DAY_MS) * DAY_MS };
      if (shape === "nested") {
        out.payload = r.payload === undefined ? undefined : r.payload;
        out.info = r.info ?? null;
      }
      return out;
    })
    .sort((a, b) => (a.id as number) - (b.id as number));
}

/** The table's rows as plain JS (numbers for integers, variants decoded), sorted by id. */
function actualRows(table: Table, shape: Shape): Array<Record<string, unknown>> {
  return table
    .toArray()
    .map((row: { toJSON(): Record<string, unknown> }) => {
      const r = row.toJSON();
      const out: Record<string, unknown> = {
        id: Number(r.id),
        ts: r.ts,
        day: r.day,
        amount: r.amount,
        qty: Number(r.qty),
        local: r.local,
      };
      if (shape === "nested") {
        const p = r.payload as { metadata: Uint8Array; value: Uint8Array } | null;
        out.payload = p === null ? undefined : decodeVariant(p.metadata, p.value);
        const info = r.info as { toJSON(): { city: string; zip: number } } | null;
        out.info = info === null ? null : { ...info.toJSON() };
      }
      return out;
    })
    .sort((a, b) => (a.id as number) - (b.id as number));
}

/** id → [row_id, row_commit_version] of every row. */
async function rowTracking(table: DeltaTable): Promise<Map<number, [number, number]>> {
  const arrow = await table.toArrow({ rowTracking: true, columns: ["id"] });
  const out = new Map<number, [number, number]>();
  for (let i = 0; i < arrow.numRows; i++) {
    const m = arrow.getChild("_metadata")!.get(i) as { row_id: bigint; row_commit_version: bigint };
    out.set(Number(arrow.getChild("id")!.get(i)), [Number(m.row_id), Number(m.row_commit_version)]);
  }
  return out;
}

/** `version:id:change_type:amount` of every change data row in [from, to]. */
async function changeFeed(table: DeltaTable, from: number, to: number): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of table.changes({ startingVersion: from, endingVersion: to })) {
    for (let i = 0; i < batch.numRows; i++) {
      const get = (name: string) => batch.getChild(name)!.get(i) as unknown;
      out.push(`${get("_commit_version")}:${get("id")}:${get("_change_type")}:${get("amount")}`);
    }
  }
  return out.sort();
}

/** The state a checkpoint must carry: active files with their DVs and row IDs, metadata, protocol, domains. */
function stateOf(table: DeltaTable): unknown {
  const files = [...table.addActions()]
    .map((a: AddFile) => ({
      path: a.path,
      size: a.size,
      deletionVector: a.deletionVector ?? null,
      baseRowId: a.baseRowId,
      defaultRowCommitVersion: a.defaultRowCommitVersion,
      clusteringProvider: a.clusteringProvider,
      numRecords: a.stats ? (JSON.parse(a.stats) as { numRecords: number }).numRecords : undefined,
    }))
    .sort((a, b) => a.path.localeCompare(b.path));
  const domains = [...table.snapshot.domains.values()].map((d) => [d.domain, d.configuration]).sort();
  return { files, metadata: table.metadata, protocol: table.protocol, domains };
}

async function createAllFeatures(url: string, shape: Shape): Promise<DeltaTable> {
  const table = await DeltaTable.create(url, { schema: schemaOf(shape), properties: PROPERTIES });
  const physical = (name: string) => String(table.schema.fields.find((x) => x.name === name)!.metadata["delta.columnMapping.physicalName"]);
  const txn = new Transaction(table.engine, table.snapshot);
  txn.setDomainMetadata({
    domain: "delta.clustering",
    configuration: JSON.stringify({ clusteringColumns: [[physical("day")], [physical("amount")]] }),
    removed: false,
  });
  await txn.commit({ operation: "CLUSTER BY", operationParameters: { clusteringColumns: ["day", "amount"] } });
  return table.refresh();
}

/** Plain-object rows for an append (the nested shape also gets payload and info). */
function input(rows: ModelRow[], shape: Shape): Array<Record<string, unknown>> {
  return rows.map((r) => {
    const out: Record<string, unknown> = {
      ts: new Date(r.ts),
      amount: r.amount,
      qty: r.qty,
      local: r.local === null ? null : BigInt(r.local) * 1000n,
    };
    // undefined is a NULL variant, null the variant null
    if (shape === "nested")
      Object.assign(out, { payload: r.payload === undefined ? null : encodeVariant(r.payload), info: r.info ?? null });
    return out;
  });
}

const stores: Array<[string, () => string]> = [
  ["memory", () => memoryUrl("all-features")],
  ["local disk", () => tempTableDir()],
];
const shapes: Shape[] = ["nested", "flat"];

describe.each(stores)("the all-features table (%s)", (_store, location) => {
  it.each(shapes)("round-trips through writes, row-level changes, widening, optimize and a checkpoint (%s)", async (shape) => {
    const url = location();
    const nested = shape === "nested";
    const table = await createAllFeatures(url, shape);
    // 1. the protocol has every coexisting writer feature, and the reader-writer ones as reader features
    expect(table.protocol).toEqual({
      minReaderVersion: 3,
      minWriterVersion: 7,
      readerFeatures: READER_FEATURES,
      writerFeatures: WRITER_FEATURES,
    });
    expect([...SUPPORTED_WRITER_FEATURES].filter((x) => !WRITER_FEATURES.includes(x)).sort()).toEqual(ALIASES);
    expect(table.properties["delta.appendOnly"]).toBeUndefined();
    expect(table.version).toBe(1);

    /** The model of every version: model[v] = rows of version v. */
    const model: ModelRow[][] = [[], []];
    const commit = (version: number, rows: ModelRow[]) => {
      expect(version).toBe(model.length);
      model.push(clone(rows));
    };
    let rows: ModelRow[] = [];
    const append = async (added: Array<Omit<ModelRow, "id">>, firstId: number) => {
      const withIds = added.map((r, i) => ({ ...r, id: firstId + i }));
      const result = await table.write(input(withIds, shape));
      rows = [...rows, ...withIds];
      commit(result.version, rows);
    };

    // 2. three appends (versions 2-4): identity values 1..7 in order
    await append(
      [
        {
          ts: at("2024-05-01T10:00:00Z"),
          amount: 10,
          qty: 1,
          local: at("2024-05-01T12:00:00Z"),
          payload: { k: "a", n: [1, 2] },
          info: { city: "Oslo", zip: 1 },
        },
        { ts: at("2024-05-02T23:30:00Z"), amount: 20, qty: 2, local: null, payload: "text", info: { city: "Rome", zip: 2 } },
        { ts: at("2024-05-03T00:00:00Z"), amount: 30, qty: 3, local: at("1999-12-31T23:59:59Z"), payload: undefined, info: null },
      ],
      1,
    );
    await append(
      [
        { ts: at("2024-04-30T01:00:00Z"), amount: 40, qty: 4, local: null, payload: [true, null, 1.5], info: { city: "Lima", zip: 3 } },
        {
          ts: at("2024-05-05T05:05:05Z"),
          amount: 50,
          qty: 5,
          local: at("2024-05-05T00:00:00Z"),
          payload: 12.5,
          info: { city: "Oslo", zip: 4 },
        },
      ],
      4,
    );
    await append(
      [
        { ts: at("2023-01-01T00:00:00Z"), amount: 60, qty: 6, local: null, payload: { deep: { list: [1, { x: "y" }] } }, info: null },
        { ts: at("2024-12-31T23:59:59Z"), amount: 70, qty: 7, local: null, payload: null, info: { city: "Pune", zip: 5 } },
      ],
      6,
    );
    // the flat table has no payload or info: drop them from the model
    if (!nested) for (const r of [...rows, ...model.flat()]) Object.assign(r, { payload: undefined, info: undefined });
    const tracked = await rowTracking(await table.refresh());
    const rowIdOf = new Map([...tracked].map(([id, [rowId]]) => [id, rowId]));
    expect(new Set(rowIdOf.values()).size).toBe(7);
    /** id → the version that last wrote the row (its expected row_commit_version). */
    const writtenAt = new Map([...tracked].map(([id, [, v]]) => [id, v]));
    expect([...writtenAt]).toEqual([
      [1, 2],
      [2, 2],
      [3, 2],
      [4, 3],
      [5, 3],
      [6, 4],
      [7, 4],
    ]);

    // 3. update (deletion vectors): amounts 20 and 50, also their ts (the generated day follows)
    const updated = await table.update({
      where: "amount = 20 OR amount = 50",
      set: { amount: "amount + 5", qty: "qty * 10", ts: "TIMESTAMP '2024-06-15 12:00:00'" },
    });
    expect(updated.metrics).toMatchObject({ numUpdatedRows: 2, numDeletionVectorsAdded: 2, numCopiedRows: 0 });
    rows = rows.map((r) =>
      r.amount === 20 || r.amount === 50 ? { ...r, amount: r.amount + 5, qty: r.qty * 10, ts: at("2024-06-15T12:00:00Z") } : r,
    );
    commit(updated.version!, rows);
    writtenAt.set(2, updated.version!).set(5, updated.version!);

    // 4. delete (deletion vectors): amount 40 (its file already has the update's DV)
    const deleted = await table.delete("amount = 40");
    expect(deleted.metrics).toMatchObject({ numDeletedRows: 1, numCopiedRows: 0 });
    rows = rows.filter((r) => r.amount !== 40);
    commit(deleted.version!, rows);
    writtenAt.delete(4);

    // 5. merge: delete the row matching amount 70, add 1 to the one matching 10
    const merged = await table
      .merge(
        [
          { amount: 10, delta: 1 },
          { amount: 70, delta: 0 },
          { amount: 999, delta: 5 },
        ],
        { on: "target.amount = source.amount" },
      )
      .whenMatchedDelete({ where: "source.delta = 0" })
      .whenMatchedUpdate({ set: { amount: "target.amount + source.delta" } })
      .execute();
    expect(merged.metrics).toMatchObject({ numTargetRowsUpdated: 1, numTargetRowsDeleted: 1, numTargetRowsInserted: 0 });
    rows = rows.filter((r) => r.amount !== 70).map((r) => (r.amount === 10 ? { ...r, amount: 11 } : r));
    commit(merged.version!, rows);
    writtenAt.set(1, merged.version!).delete(7);

    // 6. a schemaMode "merge" write of a long qty widens the column (integer → long)
    const wide = testBatch([
      [new Field("ts", new Timestamp(TimeUnit.MICROSECOND, "UTC"), true), [BigInt(at("2024-06-01T08:00:00Z")) * 1000n]],
      [new Field("amount", new Int32(), true), [80]],
      [new Field("qty", new Int64(), true), [5_000_000_000n]],
    ]);
    const widened = await table.write(wide, { schemaMode: "merge" });
    rows = [
      ...rows,
      {
        id: 8,
        ts: at("2024-06-01T08:00:00Z"),
        amount: 80,
        qty: 5_000_000_000,
        local: null,
        ...(nested ? { payload: undefined, info: null } : {}),
      },
    ];
    commit(widened.version, rows);
    writtenAt.set(8, widened.version);
    const afterWidening = await table.refresh();
    const qty = afterWidening.schema.fields.find((x) => x.name === "qty")!;
    expect([qty.type, qty.metadata["delta.typeChanges"]]).toEqual(["long", [{ fromType: "integer", toType: "long" }]]);
    expect(afterWidening.protocol).toEqual(table.protocol);

    // 7. optimize: the flat table clusters by (day, amount); the nested one is refused that (see header) and bin-packed
    let optimized;
    if (nested) {
      await expectRefusedCleanly(afterWidening, () => afterWidening.optimize(), InvalidOptimizeOptionError, { option: "zOrderBy" });
      optimized = await afterWidening.optimize({ zOrderBy: [] });
    } else {
      optimized = await afterWidening.optimize();
    }
    expect(optimized.committed).toBe(true);
    commit(optimized.version, rows);
    const optimizedAdds = await actionsOf(table.store, optimized.version, "add");
    expect(optimizedAdds.map((a) => a.clusteringProvider)).toEqual(optimizedAdds.map(() => (nested ? undefined : "liquid")));

    // 8. checkpoint (v2, as delta.checkpointPolicy asks) of the optimized version; the JSON replay is kept to compare
    const fromJson = await table.refresh();
    expect(fromJson.snapshot.segment.checkpoint).toBeUndefined();
    const checkpoint = await fromJson.checkpoint();
    expect(checkpoint).toMatchObject({ version: optimized.version, format: "v2" });
    const fromCheckpoint = await DeltaTable.open(url, { store: table.store });
    expect(fromCheckpoint.snapshot.segment.checkpoint?.version).toBe(optimized.version);
    expect(fromCheckpoint.snapshot.segment.commits).toHaveLength(0);
    expect(stateOf(fromCheckpoint)).toEqual(stateOf(fromJson));
    expect(actualRows(await fromCheckpoint.toArrow(), shape)).toEqual(actualRows(await fromJson.toArrow(), shape));
    expect(await rowTracking(fromCheckpoint)).toEqual(await rowTracking(fromJson));

    // 9. an append on top of the checkpoint: the identity high-water mark and row IDs carry over
    await append(
      [
        {
          ts: at("2024-07-04T00:00:00Z"),
          amount: 90,
          qty: 9,
          local: null,
          ...(nested ? { payload: { last: true }, info: { city: "Bern", zip: 9 } } : {}),
        },
      ],
      9,
    );
    writtenAt.set(9, model.length - 1);

    // reads: latest, then every version by version and by in-commit timestamp
    const latest = await DeltaTable.open(url, { store: table.store });
    expect(latest.version).toBe(model.length - 1);
    const arrow = await latest.toArrow();
    const qtyType = arrow.schema.fields.find((x) => x.name === "qty")!.type as Int64;
    expect([qtyType.typeId, qtyType.bitWidth]).toEqual([Type.Int, 64]);
    const times = (await latest.history()).map((h) => h.timestamp).reverse();
    expect(times).toHaveLength(model.length);
    for (let v = 0; v < model.length; v++) {
      const old = await latest.loadVersion(v);
      expect(actualRows(await old.toArrow(), shape), `version ${v}`).toEqual(expectedRows(model[v]!, shape));
      const oldQty = old.schema.fields.find((x) => x.name === "qty")!.type;
      expect(oldQty).toBe(v < widened.version ? "integer" : "long");
      // also the version loaded from its own checkpoint (optimized.version) has its in-commit timestamp
      expect(old.timestamp.getTime(), `version ${v}`).toBe(times[v]);
    }
    for (let v = 1; v < times.length; v++) expect(times[v]!).toBeGreaterThan(times[v - 1]!);
    for (let v = 0; v < model.length; v++) {
      const byTime = await DeltaTable.open(url, { store: table.store, timestamp: times[v]! });
      expect(byTime.version).toBe(v);
      expect(actualRows(await byTime.toArrow(), shape)).toEqual(expectedRows(model[v]!, shape));
    }

    // identity: unique and increasing in commit order; generated: day = CAST(ts AS DATE) (also checked through the model)
    const finalRows = actualRows(arrow, shape);
    expect(finalRows.map((r) => r.id)).toEqual([1, 2, 3, 5, 6, 8, 9]);
    for (const r of finalRows) expect(r.day).toBe(Math.floor((r.ts as number) / DAY_MS) * DAY_MS);
    expect(latest.schema.fields[0]!.metadata["delta.identity.highWaterMark"]).toBe(9);

    // row IDs: every row keeps its ID through update, delete, merge, optimize and the checkpoint; commit versions follow the writes
    const finalTracking = await rowTracking(latest);
    for (const [id, [rowId, version]] of finalTracking) {
      if (rowIdOf.has(id)) expect(rowId, `row ${id}`).toBe(rowIdOf.get(id));
      expect(version, `row ${id}`).toBe(writtenAt.get(id));
    }
    const ids = [...finalTracking.values()].map(([rowId]) => rowId);
    expect(new Set(ids).size).toBe(ids.length);

    // the change data feed of the appends, update, delete and merge (optimize adds nothing)
    const [u, d, m, w, last] = [updated.version!, deleted.version!, merged.version!, widened.version, model.length - 1];
    expect(await changeFeed(latest, 2, last)).toEqual(
      [
        ...[1, 2, 3].map((id) => `2:${id}:insert:${id * 10}`),
        ...[4, 5].map((id) => `3:${id}:insert:${id * 10}`),
        ...[6, 7].map((id) => `4:${id}:insert:${id * 10}`),
        `${u}:2:update_preimage:20`,
        `${u}:2:update_postimage:25`,
        `${u}:5:update_preimage:50`,
        `${u}:5:update_postimage:55`,
        `${d}:4:delete:40`,
        `${m}:1:update_preimage:10`,
        `${m}:1:update_postimage:11`,
        `${m}:7:delete:70`,
        `${w}:8:insert:80`,
        `${last}:9:insert:90`,
      ].sort(),
    );
  });
});

describe("what the all-features table refuses (typed, the table unchanged)", () => {
  it("widening a column that a CHECK constraint and an invariant read", async () => {
    const table = await createAllFeatures(memoryUrl("all-features-refuse"), "flat");
    await table.write([{ ts: new Date(0), amount: 1, qty: 1 }]);
    const latest = await table.refresh();
    const batch = testBatch([[new Field("amount", new Int64(), true), [3_000_000_000n]]]);
    await expectRefusedCleanly(latest, () => latest.write(batch, { schemaMode: "merge" }), SchemaMismatchError, {
      fieldPath: "amount",
      expected: "integer",
      actual: "long",
    });
  });

  it("MERGE inserts into the nested table copy the struct and variant columns from the source; an expression for one is refused", async () => {
    const table = await createAllFeatures(memoryUrl("all-features-merge"), "nested");
    await table.write([{ ts: new Date(0), amount: 1, qty: 1 }]);
    const latest = await table.refresh();
    // plain rows that name only table columns are typed by the table (zip: integer)
    const source = [{ amount: 2, payload: encodeVariant({ k: "v" }), info: { city: "Oslo", zip: 150 } }];
    const insert = (values: Record<string, string>) =>
      latest
        .merge(source, { on: "target.amount = source.amount" })
        .whenNotMatchedInsert({ values: { amount: "source.amount", ts: "TIMESTAMP '2024-01-01 00:00:00'", qty: "1", ...values } })
        .execute();
    await expectRefusedCleanly(latest, () => insert({ info: "source.amount" }), InvalidArgumentError, { argument: "values.info" });
    const result = await insert({ payload: "source.payload", info: "source.info" });
    expect(result.metrics.numTargetRowsInserted).toBe(1);
    const after = await (await latest.refresh()).toArrow({ columns: ["id", "amount", "payload", "info"] });
    const inserted = after.toArray().find((r) => Number(r.amount) === 2)!;
    expect(Number(inserted.id)).toBe(2);
    expect(inserted.info.toJSON()).toEqual({ city: "Oslo", zip: 150 });
    expect(decodeVariant(inserted.payload.metadata, inserted.payload.value)).toEqual({ k: "v" });
  });

  it("MERGE inserts into the flat table allocate identity values after the high-water mark and compute the generated column", async () => {
    const table = await createAllFeatures(memoryUrl("all-features-merge"), "flat");
    await table.write([{ ts: new Date(0), amount: 1, qty: 1 }]);
    const latest = await table.refresh();
    // plain rows that name only target columns, without the identity column
    const result = await latest
      .merge([{ amount: 2 }, { amount: 3 }], { on: "target.amount = source.amount" })
      .whenNotMatchedInsert({ values: { amount: "source.amount", ts: "TIMESTAMP '2024-01-01 00:00:00'", qty: "1" } })
      .execute();
    expect(result.metrics.numTargetRowsInserted).toBe(2);
    const after = await latest.refresh();
    const rows = (await after.toArrow({ columns: ["id", "amount", "day"] })).toArray().map((r) => r.toJSON() as Record<string, unknown>);
    rows.sort((a, b) => Number(a.amount) - Number(b.amount));
    expect(rows.map((r) => [Number(r.id), Number(r.amount)])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    // the generated day = CAST(ts AS DATE), computed for the inserted rows (DateDay reads as epoch ms)
    expect(rows.map((r) => r.day)).toEqual([0, Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 1)]);
    expect(after.schema.fields.find((f) => f.name === "id")!.metadata["delta.identity.highWaterMark"]).toBe(3);
  });

  it("a table may also list the preview and legacy names: every supported writer feature at once, written and read", async () => {
    const aliases = Object.fromEntries(ALIASES.map((name) => [`delta.feature.${name}`, "supported"]));
    const table = await DeltaTable.create(memoryUrl("all-features-aliases"), {
      schema: schemaOf("nested"),
      properties: { ...PROPERTIES, ...aliases },
    });
    expect(table.protocol.writerFeatures).toEqual([...SUPPORTED_WRITER_FEATURES].sort());
    await table.write([{ ts: new Date(0), amount: 1, qty: 1, payload: { a: 1 } }]);
    const rows = actualRows(await (await table.refresh()).toArrow(), "nested");
    expect(rows).toEqual([{ id: 1, ts: 0, day: 0, amount: 1, qty: 1, local: null, payload: { a: 1 }, info: null }]);
  });
});
