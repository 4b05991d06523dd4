/** Engines for tests: the real one over a store, and one whose Parquet handler fails any call. */
import { createEngine, type Clock, type Engine, type ParquetHandler } from "../../src/engine/index.js";
import type { ObjectStore } from "../../src/storage/store.js";

const unexpected = (): never => {
  throw new Error("unexpected Parquet call");
};

/** A Parquet handler for JSON-only logs: any call fails the test. */
export const noParquet: ParquetHandler = { read: unexpected, readInfo: unexpected, write: unexpected, writeBuffer: unexpected };

/** An engine over `store` whose Parquet handler fails every call. */
export function jsonOnlyEngine(store: ObjectStore): Engine {
  return createEngine(store, { parquet: noParquet });
}

/** A clock fixed at `ms` (or advancing through the given function). */
export function fixedClock(ms: number | (() => number)): Clock {
  return { now: typeof ms === "number" ? () => ms : ms };
}
