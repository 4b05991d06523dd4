/**
 * The fuzz targets, shared by the CI properties (test/fuzz/*.test.ts) and `npm run fuzz`
 * (scripts/fuzz.ts). Each one generates an input and runs it to an {@link Outcome}, throwing a
 * `FuzzViolation` when the contract breaks.
 */
import type fc from "fast-check";
import type { Outcome } from "./fuzz-core.js";
import { filterCase, runFilterCase } from "./filter-targets.js";
import { logCase, runLogCase } from "./log-targets.js";
import { lastCheckpointCase, parquetCase, runCheckpointCase, runDataFileCase, runLastCheckpointCase } from "./parquet-targets.js";

/** One fuzz target: its inputs, how to run one, and its share of a benchmark run. */
export interface FuzzTarget {
  name: string;
  arbitrary: fc.Arbitrary<unknown>;
  run: (input: unknown) => Promise<Outcome>;
  weight: number;
}

function target<T>(name: string, arbitrary: fc.Arbitrary<T>, run: (input: T) => Promise<Outcome>, weight: number): FuzzTarget {
  return { name, arbitrary, run: (input) => run(input as T), weight };
}

/** Every target, weighted by how much of a benchmark run it gets. */
export const FUZZ_TARGETS: FuzzTarget[] = [
  target("log", logCase, runLogCase, 30),
  target("filter", filterCase, runFilterCase, 40),
  target("last-checkpoint", lastCheckpointCase, runLastCheckpointCase, 10),
  target("checkpoint", parquetCase, runCheckpointCase, 10),
  target("data-file", parquetCase, runDataFileCase, 10),
];
