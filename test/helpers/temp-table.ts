/**
 * Writable copies of shared test tables in the OS temp folder, for tests that damage a table on
 * purpose. The shared folders are read-only; copies are made writable and removed by `cleanup`.
 */
import { chmodSync, cpSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";

const made: string[] = [];

function makeWritable(path: string): void {
  const isDir = statSync(path).isDirectory();
  chmodSync(path, isDir ? 0o755 : 0o644);
  if (isDir) for (const name of readdirSync(path)) makeWritable(join(path, name));
}

/** Copies the table folder `source` to a fresh temp folder and returns the copy's path. Synchronous. */
export function copyTableToTemp(source: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), "lakelog-table-")), basename(source));
  cpSync(source, dir, { recursive: true });
  makeWritable(dir);
  made.push(dir);
  return dir;
}

/** Removes every copy made by {@link copyTableToTemp} in this process. */
export function cleanupTempTables(): void {
  for (const dir of made.splice(0)) rmSync(join(dir, ".."), { recursive: true, force: true });
}
