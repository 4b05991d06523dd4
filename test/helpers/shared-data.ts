/**
 * Where the shared test tables live: `../shared` beside the project (override with
 * LAKELOG_SHARED_DIR). They are read in place, never copied into the repository.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");

/** The shared folder (may not exist). */
export const SHARED_DIR = process.env.LAKELOG_SHARED_DIR ?? resolve(ROOT, "../shared");
/** Spark-written golden tables with expected rows. */
export const GOLDEN_DIR = resolve(SHARED_DIR, "delta-golden");
/** delta-rs and delta-kernel-rs test tables. */
export const TABLES_DIR = resolve(SHARED_DIR, "delta-tables");

/** Whether a shared folder is present. */
export function hasShared(dir: string): boolean {
  return existsSync(dir);
}
