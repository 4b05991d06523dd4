/**
 * The change data feed of every `cdf-*` / `*cdc*` table under ../shared/delta-tables (Spark- and
 * delta-rs-written) read with `table.changes()` and compared with rows derived independently in
 * this file: the commit JSON is parsed here, `_change_data` files and data files are read with
 * the raw Parquet engine (no scan, no change reader), column-mapped names are mapped by hand from
 * the schema, and inferred changes follow the protocol's rules (a commit's `cdc` files are its
 * whole change; otherwise `add`s with dataChange are inserts and `remove`s deletes, a re-added
 * path the rows its new deletion vector adds as deletes and the rows it drops as inserts, as
 * delta-kernel-rs reads `cdf-table-with-dv`). The range starts where the feed was enabled for
 * good; reading from before that must fail with `ChangeDataFeedNotEnabledError`.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DataType, type Field, type RecordBatch } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { DeletedRows, loadDeletionVector } from "../../../src/dv/deletion-vector.js";
import { parquetWasm } from "../../../src/engine/index.js";
import { ChangeDataFeedNotEnabledError } from "../../../src/errors/row-level-errors.js";
import { LocalStore } from "../../../src/storage/local-store.js";
import { DeltaTable } from "../../../src/table/delta-table.js";
import { TABLES_DIR, hasShared } from "../../helpers/shared-data.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const TABLES = hasShared(TABLES_DIR)
  ? readdirSync(TABLES_DIR)
      .filter((n) => /cdf|cdc/.test(n))
      .sort()
  : [];

interface Commit {
  version: number;
  actions: Json[];
}

function readCommits(dir: string): Commit[] {
  const log = join(dir, "_delta_log");
  return readdirSync(log)
    .filter((n) => /^\d{20}\.json$/.test(n))
    .sort()
    .map((n) => ({
      version: Number(n.slice(0, 20)),
      actions: readFileSync(join(log, n), "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as Json),
    }));
}

/** One canonical text per cell, by Arrow type (dates as YYYY-MM-DD, integers and decimals as digits). */
function canon(value: unknown, type: DataType | undefined): string {
  if (value === null || value === undefined) return "null";
  if (type && DataType.isDate(type)) return new Date(Number(value instanceof Date ? value.getTime() : value)).toISOString().slice(0, 10);
  return String(value);
}

function row(entries: Array<[string, string]>): string {
  return JSON.stringify(Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : 1))));
}

interface Expected {
  rows: string[];
  enabledFrom: number;
  firstVersion: number;
  timestamps: Map<number, number>;
}

async function expectedChanges(dir: string, table: DeltaTable): Promise<Expected> {
  const store = new LocalStore(dir);
  const commits = readCommits(dir);
  const schema = table.schema;
  const physical = new Map(schema.fields.map((f) => [String((f.metadata as Json)["delta.columnMapping.physicalName"] ?? f.name), f.name]));
  let enabled = (await DeltaTable.open(dir, { version: commits[0]!.version })).properties["delta.enableChangeDataFeed"] === "true";
  let enabledFrom = enabled ? commits[0]!.version : Infinity;
  const rows: string[] = [];
  const timestamps = new Map<number, number>();
  const fromFile = async (
    path: string,
    partitionValues: Json,
    changeType: string | undefined,
    version: number,
    keep: (i: number) => boolean,
  ) => {
    let offset = 0;
    for await (const batch of parquetWasm.read(store, decodeURIComponent(path))) {
      collectRows(batch, partitionValues, changeType, version, (i) => keep(offset + i));
      offset += batch.numRows;
    }
  };
  const collectRows = (
    batch: RecordBatch,
    partitionValues: Json,
    changeType: string | undefined,
    version: number,
    keep: (i: number) => boolean,
  ) => {
    for (let i = 0; i < batch.numRows; i++) {
      if (!keep(i)) continue;
      const entries: Array<[string, string]> = [];
      for (const field of batch.schema.fields as Field[]) {
        const logical = field.name === "_change_type" ? "_change_type" : physical.get(field.name);
        if (!logical) continue;
        entries.push([logical, canon(batch.getChildAt(batch.schema.fields.indexOf(field))!.get(i), field.type)]);
      }
      for (const [key, value] of Object.entries(partitionValues))
        entries.push([physical.get(key) ?? key, value === null ? "null" : String(value)]);
      if (changeType) entries.push(["_change_type", changeType]);
      entries.push(["_commit_version", String(version)]);
      rows.push(row(entries));
    }
  };
  const dvOf = async (d: Json | undefined) => (d ? loadDeletionVector(store, d as never) : DeletedRows.EMPTY);
  for (const { version, actions } of commits) {
    const metadata = actions.find((a) => a.metaData)?.metaData;
    if (metadata) {
      const now = metadata.configuration?.["delta.enableChangeDataFeed"] === "true";
      if (now && !enabled) enabledFrom = version;
      if (!now) enabledFrom = Infinity;
      enabled = now;
    }
    const ict = actions.find((a) => a.commitInfo)?.commitInfo?.inCommitTimestamp;
    if (typeof ict === "number") timestamps.set(version, ict);
    if (!enabled) continue;
    const cdcs = actions.filter((a) => a.cdc).map((a) => a.cdc as Json);
    if (cdcs.length > 0) {
      for (const c of cdcs) await fromFile(c.path, c.partitionValues, undefined, version, () => true);
      continue;
    }
    const adds = actions.filter((a) => a.add?.dataChange).map((a) => a.add as Json);
    const removes = actions.filter((a) => a.remove?.dataChange).map((a) => a.remove as Json);
    for (const add of adds) {
      const removed = removes.find((r) => r.path === add.path);
      const after = await dvOf(add.deletionVector);
      const before = removed ? await dvOf(removed.deletionVector) : undefined;
      if (before) {
        // a re-add: rows the new vector deletes are deletes, rows it no longer deletes are inserts (restores)
        await fromFile(add.path, add.partitionValues, "delete", version, (i) => after.has(i) && !before.has(i));
        await fromFile(add.path, add.partitionValues, "insert", version, (i) => before.has(i) && !after.has(i));
      } else await fromFile(add.path, add.partitionValues, "insert", version, (i) => !after.has(i));
    }
    for (const r of removes) {
      if (adds.some((a) => a.path === r.path)) continue;
      const dv = await dvOf(r.deletionVector);
      await fromFile(r.path, r.partitionValues ?? {}, "delete", version, (i) => !dv.has(i));
    }
  }
  return {
    rows: rows.filter((r) => Number(JSON.parse(r)._commit_version) >= enabledFrom).sort(),
    enabledFrom,
    firstVersion: commits[0]!.version,
    timestamps,
  };
}

async function actualChanges(table: DeltaTable, startingVersion: number): Promise<{ rows: string[]; timestamps: Map<number, number> }> {
  const rows: string[] = [];
  const timestamps = new Map<number, number>();
  for await (const batch of table.changes({ startingVersion })) {
    const fields = batch.schema.fields as Field[];
    for (let i = 0; i < batch.numRows; i++) {
      const entries: Array<[string, string]> = [];
      fields.forEach((field, c) => {
        if (field.name === "_commit_timestamp") return;
        entries.push([field.name, canon(batch.getChildAt(c)!.get(i), field.type)]);
      });
      rows.push(row(entries));
      timestamps.set(Number(batch.getChild("_commit_version")!.get(i)), Number(batch.getChild("_commit_timestamp")!.get(i)));
    }
  }
  return { rows: rows.sort(), timestamps };
}

describe.skipIf(TABLES.length === 0)("change data feed of the shared cdf/cdc tables", () => {
  it("finds the tables", () => {
    expect(TABLES.length).toBeGreaterThanOrEqual(20);
  });

  it.each(TABLES)("%s", async (name) => {
    const dir = join(TABLES_DIR, name);
    expect(existsSync(join(dir, "_delta_log"))).toBe(true);
    const table = await DeltaTable.open(dir);
    const expected = await expectedChanges(dir, table);
    if (expected.enabledFrom === Infinity) {
      await expect(actualChanges(table, expected.firstVersion)).rejects.toBeInstanceOf(ChangeDataFeedNotEnabledError);
      return;
    }
    if (expected.enabledFrom > expected.firstVersion) {
      await expect(actualChanges(table, expected.firstVersion)).rejects.toBeInstanceOf(ChangeDataFeedNotEnabledError);
    }
    const actual = await actualChanges(table, expected.enabledFrom);
    expect(actual.rows).toEqual(expected.rows);
    for (const [version, ict] of expected.timestamps)
      if (version >= expected.enabledFrom && actual.timestamps.has(version)) expect(actual.timestamps.get(version)).toBe(ict);
  });
});
