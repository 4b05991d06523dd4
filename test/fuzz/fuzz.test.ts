/**
 * The fuzz targets in CI: a few thousand generated cases in all (see `npm run fuzz` for the 100k
 * run). Each property fails, with fast-check's shrunk counterexample, on an untyped error, a hang
 * or a wrong result; the outcome counts are printed at the end.
 */
import fc from "fast-check";
import { afterAll, describe, it } from "vitest";
import { OutcomeTally } from "./fuzz-core.js";
import { FUZZ_TARGETS } from "./targets.js";

/** Cases per target in CI. */
const CI_RUNS: Record<string, number> = { log: 1500, filter: 2000, "last-checkpoint": 300, checkpoint: 300, "data-file": 300 };

const tally = new OutcomeTally();
afterAll(() => console.log(`fuzz (CI share):\n${tally.format()}`));

describe.each(FUZZ_TARGETS)("fuzz target $name", (target) => {
  it(`ends every generated case in a typed error or a correct read (${CI_RUNS[target.name] ?? 200} cases)`, async () => {
    await fc.assert(
      fc.asyncProperty(target.arbitrary, async (input) => {
        tally.add(target.name, await target.run(input));
      }),
      { numRuns: CI_RUNS[target.name] ?? 200 },
    );
  }, 120_000);
});
