/**
 * Deletion vectors written by Spark and delta-rs, read in place from ../shared (never copied).
 * Every DV descriptor in the JSON commits must decode to its cardinality; every DV file must frame
 * and decode whole; re-encoding must reproduce the writers' bytes; and for the tables with known
 * contents, data file minus deleted rows must equal the expected rows.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { tableFromIPC } from "apache-arrow";
import { readParquet } from "parquet-wasm";
import { describe, expect, it } from "vitest";
import type { AddFile, DeletionVectorDescriptor } from "../../../src/log/actions.js";
import { DeletedRows, encodeDeletionVector, loadDeletionVector } from "../../../src/dv/deletion-vector.js";
import { decodeDeletionVectorBitmap, deletionVectorBitmapCardinality } from "../../../src/dv/roaring.js";
import { LocalStore } from "../../../src/storage/local-store.js";
import { SHARED_DIR } from "../../helpers/shared-data.js";

const SHARED = SHARED_DIR;
const missing = existsSync(join(SHARED, "delta-golden"))
  ? undefined
  : `${SHARED} is absent (it holds the real Delta tables these checks read)`;

interface LoggedDv {
  table: string;
  commit: string;
  action: "add" | "remove";
  path: string;
  dv: DeletionVectorDescriptor;
}

/** Table roots under ../shared: golden `NAME/delta` and delta-tables `NAME`. */
function tableRoots(): Map<string, string> {
  const roots = new Map<string, string>();
  if (missing) return roots;
  for (const name of readdirSync(join(SHARED, "delta-golden"))) {
    const root = join(SHARED, "delta-golden", name, "delta");
    if (existsSync(join(root, "_delta_log"))) roots.set(`delta-golden/${name}`, root);
  }
  for (const name of readdirSync(join(SHARED, "delta-tables"))) {
    const root = join(SHARED, "delta-tables", name);
    if (existsSync(join(root, "_delta_log"))) roots.set(`delta-tables/${name}`, root);
  }
  return roots;
}

function commits(root: string): Array<{ file: string; actions: Array<Record<string, Record<string, unknown>>> }> {
  const dir = join(root, "_delta_log");
  return readdirSync(dir)
    .filter((f) => /^\d{20}\.json$/.test(f))
    .sort()
    .map((file) => ({
      file,
      actions: readFileSync(join(dir, file), "utf8")
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line) as Record<string, Record<string, unknown>>),
    }));
}

function loggedDvs(table: string, root: string): LoggedDv[] {
  const out: LoggedDv[] = [];
  for (const { file, actions } of commits(root)) {
    for (const action of actions) {
      for (const kind of ["add", "remove"] as const) {
        const body = action[kind];
        const dv = body?.deletionVector as DeletionVectorDescriptor | null | undefined;
        if (body && dv) out.push({ table, commit: file, action: kind, path: body.path as string, dv });
      }
    }
  }
  return out;
}

const roots = tableRoots();
const allDvs = [...roots].flatMap(([table, root]) => loggedDvs(table, root));
const tablesWithDvs = [...new Set(allDvs.map((d) => d.table))];

describe.skipIf(missing !== undefined)(`deletion vectors of real tables${missing ? ` (skipped: ${missing})` : ""}`, () => {
  it("finds DV descriptors in the tables known to have them", () => {
    for (const table of [
      "delta-golden/dv-partitioned-with-checkpoint",
      "delta-golden/log-replay-dv-key-cases",
      "delta-tables/table-with-dv-small",
      "delta-tables/table_with_deletion_logs",
      "delta-tables/cdf-table-with-dv",
      "delta-tables/cdf-table-with-cdc-and-dvs",
    ]) {
      expect(tablesWithDvs).toContain(table);
    }
    expect(allDvs.some((d) => d.dv.storageType === "i")).toBe(true);
    expect(allDvs.some((d) => d.dv.storageType === "u")).toBe(true);
  });

  it.each(tablesWithDvs)("decodes every DV descriptor in the JSON commits of %s to its cardinality", async (table) => {
    const store = new LocalStore(roots.get(table)!);
    for (const logged of allDvs.filter((d) => d.table === table)) {
      const deleted = await loadDeletionVector(store, logged.dv);
      expect(deleted.cardinality, `${logged.commit} ${logged.action} ${logged.path}`).toBe(logged.dv.cardinality);
      if (logged.dv.storageType === "i") expect(encodeDeletionVector(deleted).length).toBe(logged.dv.sizeInBytes);
    }
  });

  const dvFiles = [...roots.values()].flatMap((root) =>
    readdirSync(root)
      .filter((f) => /^deletion_vector_.*\.bin$/.test(f))
      .map((f) => join(root, f)),
  );

  it.each(dvFiles.map((f) => [f.slice(SHARED.length), f]))("frames, decodes and re-encodes byte for byte every DV in %s", (_name, file) => {
    const bytes = readFileSync(file);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(bytes[0]).toBe(1);
    let pos = 1;
    while (pos < bytes.length) {
      const size = view.getUint32(pos, false);
      const bitmap = bytes.subarray(pos + 4, pos + 4 + size);
      expect(view.getUint32(pos + 4 + size, false)).toBe(crc32(bitmap));
      const source = { location: file, offset: pos };
      const rows = decodeDeletionVectorBitmap(bitmap, deletionVectorBitmapCardinality(bitmap, source), source);
      expect(encodeDeletionVector(rows)).toEqual(new Uint8Array(bitmap));
      pos += size + 8;
    }
    expect(pos).toBe(bytes.length);
  });

  it("table-with-dv-small: the DV deletes exactly the rows whose value is 0 or 9 (DELETE ... IN (0, 9))", async () => {
    const root = roots.get("delta-tables/table-with-dv-small")!;
    const [logged] = allDvs.filter((d) => d.table === "delta-tables/table-with-dv-small");
    const deleted = await loadDeletionVector(new LocalStore(root), logged!.dv);
    const values = readRows(join(root, logged!.path)).map((r) => Number(r.value));
    const positions = values.flatMap((v, i) => (v === 0 || v === 9 ? [i] : []));
    expect([...deleted]).toEqual(positions);
    expect([...deleted]).toEqual([0, 9]);
  });

  it("cdf-table-with-dv: each commit's DV holds the rows its history says (inline DVs included)", async () => {
    const root = roots.get("delta-tables/cdf-table-with-dv")!;
    const store = new LocalStore(root);
    const adds = allDvs.filter((d) => d.table === "delta-tables/cdf-table-with-dv" && d.action === "add");
    const values = readRows(join(root, adds[0]!.path)).map((r) => Number(r.value));
    const byCommit: Record<string, number[]> = {};
    for (const logged of adds)
      byCommit[logged.commit.slice(0, 20)] = [...(await loadDeletionVector(store, logged.dv))].map((i) => values[i]!);
    // removed values per commit (the Delta kernel's CDF test for this table documents the same history)
    expect(byCommit).toEqual({
      "00000000000000000001": [0, 9],
      "00000000000000000003": [0, 1, 4, 5],
      "00000000000000000004": [0, 5],
      "00000000000000000005": [3],
    });
  });

  it.each(["log-replay-dv-key-cases", "dv-partitioned-with-checkpoint"])(
    "%s: data files minus their deleted rows equal the expected rows",
    async (name) => {
      const root = roots.get(`delta-golden/${name}`)!;
      const { rows: actual, deleted } = await scanJsonLog(root);
      expect(deleted).toBeGreaterThan(0);
      const expectedDir = join(SHARED, "delta-golden", name, "expected");
      const expected = readdirSync(expectedDir)
        .filter((f) => f.endsWith(".parquet"))
        .flatMap((f) => readRows(join(expectedDir, f)).map(rowKey));
      expect(expected.length).toBeGreaterThan(0);
      expect(actual.sort()).toEqual(expected.sort());
    },
  );
});

function readRows(file: string): Array<Record<string, unknown>> {
  const table = tableFromIPC(readParquet(readFileSync(file)).intoIPCStream());
  return table.toArray().map((row) => row.toJSON() as Record<string, unknown>);
}

/** A row as a comparable string: every value stringified (partition values are strings in the log). */
function rowKey(row: Record<string, unknown>): string {
  const entries = Object.entries(row).map(([k, v]) => [k, v === null || v === undefined ? null : String(v)] as const);
  return JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** A minimal JSON-only replay (file identity = path + DV id) and scan applying each file's DV. */
async function scanJsonLog(root: string): Promise<{ rows: string[]; deleted: number }> {
  const active = new Map<string, AddFile>();
  const id = (path: string, dv: DeletionVectorDescriptor | null | undefined) =>
    dv ? `${path}#${dv.storageType}${dv.pathOrInlineDv}@${dv.offset ?? ""}` : path;
  for (const { actions } of commits(root)) {
    for (const a of actions) {
      if (a.remove) active.delete(id(a.remove.path as string, a.remove.deletionVector as DeletionVectorDescriptor | null));
      if (a.add) active.set(id(a.add.path as string, a.add.deletionVector as DeletionVectorDescriptor | null), a.add as unknown as AddFile);
    }
  }
  const store = new LocalStore(root);
  const rows: string[] = [];
  let deletedCount = 0;
  for (const add of active.values()) {
    const deleted = add.deletionVector ? await loadDeletionVector(store, add.deletionVector) : DeletedRows.EMPTY;
    const data = readRows(join(root, decodeURIComponent(add.path)));
    const keep = deleted.keepMask(0, data.length);
    deletedCount += deleted.countIn(0, data.length);
    data.forEach((row, i) => {
      if (keep[i]) rows.push(rowKey({ ...row, ...add.partitionValues }));
    });
  }
  return { rows, deleted: deletedCount };
}
