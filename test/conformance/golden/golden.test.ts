/**
 * The Delta golden tables (written by Spark), checked as ../shared/delta-golden/MANIFEST.json
 * says: rows against expected/, active file sets, history, and typed errors for invalid tables.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Table, type RecordBatch } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { parquetWasm } from "../../../src/engine/index.js";
import { isLakelogError } from "../../../src/errors/base.js";
import { LocalStore } from "../../../src/storage/local-store.js";
import { DeltaTable } from "../../../src/table/delta-table.js";
import { canonicalRows, columnCells } from "../../helpers/arrow-rows.js";
import { GOLDEN_DIR, hasShared } from "../../helpers/shared-data.js";

interface Case {
  name: string;
  table: string;
  check: "rows" | "files" | "history" | "error" | "skip";
  expected?: string;
  version?: number;
  activeFiles?: number;
  fileNames?: string[];
  modificationTime?: Record<string, number>;
  commitInfo?: Record<string, unknown>;
  errorKind?: string;
  expectedOverrides?: Record<string, string>;
  note?: string;
}

/** Cases we cannot pass yet, with the reason. Empty means every case is checked. */
const SKIP: Record<string, string> = {};

/** The typed error code each manifest error kind must produce. */
const ERROR_CODES: Record<string, string> = {
  "missing metadata action": "MISSING_ACTION",
  "missing protocol action": "MISSING_ACTION",
  "checkpoint lacks metadata": "MISSING_ACTION",
  "unsupported protocol (reader version 99)": "UNSUPPORTED_FEATURE",
  "not a Delta table (no _delta_log)": "TABLE_NOT_FOUND",
};

const present = hasShared(GOLDEN_DIR);
const cases: Case[] = present ? (JSON.parse(readFileSync(join(GOLDEN_DIR, "MANIFEST.json"), "utf8")) as { cases: Case[] }).cases : [];

async function readExpected(dir: string): Promise<Table> {
  const store = new LocalStore(dir);
  const batches: RecordBatch[] = [];
  const names = readdirSync(dir)
    .filter((n) => n.endsWith(".parquet") && !n.startsWith("."))
    .sort();
  for (const name of names) {
    for await (const batch of parquetWasm.read(store, name)) batches.push(batch);
  }
  if (batches.length > 0) return new Table(batches);
  // an empty result still has a schema: the expected file's own
  return new Table((await parquetWasm.readInfo(store, names[0]!)).schema);
}

async function checkRows(c: Case): Promise<void> {
  const table = await DeltaTable.open(resolve(GOLDEN_DIR, c.table));
  const actual = await table.toArrow();
  const expected = await readExpected(resolve(GOLDEN_DIR, c.expected!));
  const names = expected.schema.fields.map((f) => f.name).sort();
  expect(actual.schema.fields.map((f) => f.name).sort()).toEqual(names);
  expect(actual.numRows).toBe(expected.numRows);
  const overrides = c.expectedOverrides ?? {};
  const compared = names.filter((n) => !(n in overrides));
  expect(canonicalRows(actual, compared)).toEqual(canonicalRows(expected, compared));
  for (const [column, value] of Object.entries(overrides)) {
    const micros = BigInt(Date.parse(value)) * 1000n;
    for (const cell of columnCells(actual, column)) if (cell !== null) expect(cell).toBe(`ts:${micros}`);
  }
}

async function checkFiles(c: Case): Promise<void> {
  const table = await DeltaTable.open(resolve(GOLDEN_DIR, c.table), { version: c.version });
  if (c.version !== undefined) expect(table.version).toBe(c.version);
  const adds = [...table.addActions()];
  expect(adds).toHaveLength(c.activeFiles!);
  const base = (p: string) => decodeURIComponent(p.split("/").pop()!);
  if (c.fileNames) expect(adds.map((a) => base(a.path)).sort()).toEqual([...c.fileNames].sort());
  for (const [name, time] of Object.entries(c.modificationTime ?? {})) {
    expect(adds.find((a) => base(a.path) === name)?.modificationTime).toBe(time);
  }
}

async function checkHistory(c: Case): Promise<void> {
  const table = await DeltaTable.open(resolve(GOLDEN_DIR, c.table));
  const history = await table.history();
  const entry = history.find((h) => h.version === c.version);
  expect(entry).toBeDefined();
  expect(entry).toMatchObject(c.commitInfo!);
}

async function checkError(c: Case): Promise<void> {
  const err = await (async () => {
    const table = await DeltaTable.open(resolve(GOLDEN_DIR, c.table));
    await table.toArrow();
  })().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `${c.name} must fail`).toBeDefined();
  expect(isLakelogError(err), `a typed error, got ${String(err)}`).toBe(true);
  expect((err as { code: string }).code).toBe(ERROR_CODES[c.errorKind!]);
}

describe("Delta golden tables (../shared/delta-golden)", () => {
  it.skipIf(present)(`is skipped: ${GOLDEN_DIR} is absent (the golden tables live beside the project, never in it)`, () => {});

  it.each(cases.filter((c) => c.check !== "skip").map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    if (SKIP[c.name]) return;
    switch (c.check) {
      case "rows":
        return checkRows(c);
      case "files":
        return checkFiles(c);
      case "history":
        return checkHistory(c);
      case "error":
        return checkError(c);
    }
  });

  it.skipIf(!present)("hive: the folder of Hive tables is refused as 'not a Delta table' (converting is a separate feature)", async () => {
    await expect(DeltaTable.open(resolve(GOLDEN_DIR, "hive/delta"))).rejects.toMatchObject({ code: "TABLE_NOT_FOUND" });
  });
});
