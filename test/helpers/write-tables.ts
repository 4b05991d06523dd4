/**
 * Shared pieces of the writer tests: fresh table locations (memory and local disk), store
 * listings, the log read by hand, and typed-failure checks that also prove nothing was committed
 * and no data file was left behind.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import type { LakelogError } from "../../src/errors/base.js";
import type { ObjectStore } from "../../src/storage/store.js";
import type { DeltaTable } from "../../src/table/delta-table.js";

/** A `memory://` table URL nobody else uses. */
export function memoryUrl(label = "t"): string {
  return `memory://write-${label}-${randomUUID()}/table`;
}

const tempDirs: string[] = [];

/** A fresh, not yet existing table folder under the OS temp folder (removed by {@link removeTempDirs}). */
export function tempTableDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "lakelog-write-"));
  tempDirs.push(dir);
  return join(dir, "table");
}

/** Removes every folder {@link tempTableDir} made in this process. */
export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Every key in the store, sorted. */
export async function storeKeys(store: ObjectStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const meta of store.list("")) keys.push(meta.path);
  return keys.sort();
}

/** The keys of the Parquet data files in the store (anything outside `_delta_log/`). */
export async function dataFileKeys(store: ObjectStore): Promise<string[]> {
  return (await storeKeys(store)).filter((k) => !k.startsWith("_delta_log/"));
}

/** The actions of commit `version`, parsed from the JSON lines as they are stored. */
export async function commitActions(store: ObjectStore, version: number): Promise<Array<Record<string, Record<string, unknown>>>> {
  const bytes = await store.get(`_delta_log/${String(version).padStart(20, "0")}.json`);
  return new TextDecoder()
    .decode(bytes)
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, Record<string, unknown>>);
}

/** The actions of one kind (`add`, `remove`, `metaData`, ...) of commit `version`. */
export async function actionsOf(store: ObjectStore, version: number, kind: string): Promise<Array<Record<string, unknown>>> {
  return (await commitActions(store, version)).filter((a) => kind in a).map((a) => a[kind]!);
}

/** The `add.path`s of the table's active files, sorted. */
export function activePaths(table: DeltaTable): string[] {
  return Array.from(table.addActions(), (a) => a.path).sort();
}

/**
 * Awaits `promise`, expects it to reject with an error of `type` whose fields include `fields`,
 * and returns the error.
 */
export async function expectFailure<E extends LakelogError>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
  fields: Partial<Record<keyof E, unknown>> = {},
): Promise<E> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  expect(caught, "the operation should have failed").toBeInstanceOf(type);
  expect(caught).toMatchObject(fields);
  return caught as E;
}

/**
 * Runs `attempt` and expects it to fail with `type` (and `fields`) while leaving the table exactly as it was:
 * the same latest version and the same objects in the store (no orphan data file).
 */
export async function expectRefusedCleanly<E extends LakelogError>(
  table: DeltaTable,
  attempt: () => Promise<unknown>,
  type: abstract new (...args: never[]) => E,
  fields: Partial<Record<keyof E, unknown>> = {},
): Promise<E> {
  const before = await storeKeys(table.store);
  const err = await expectFailure(attempt(), type, fields);
  expect((await table.refresh()).version).toBe(table.version);
  expect(await storeKeys(table.store)).toEqual(before);
  return err;
}
