/** Defects the fuzzer found, each pinned by the smallest input that showed it. */
import { describe, expect, it } from "vitest";
import { CorruptLogError } from "../../src/errors/log-errors.js";
import { parseActions } from "../../src/log/parse-actions.js";
import { BASE_COMMITS, corruptCommit } from "./log-targets.js";
import { parquetFixture, runDataFileCase } from "./parquet-targets.js";

describe("fuzz regressions", () => {
  it("refuses invalid UTF-8 in a commit (CORRUPT_LOG) instead of reading U+FFFD into a path", () => {
    const bytes = corruptCommit(BASE_COMMITS[1]!, { kind: "invalidUtf8", at: 20, bytes: [0xff] });
    expect(new TextDecoder().decode(bytes)).toContain("\uFFFD");
    expect(() => parseActions(bytes, "_delta_log/00000000000000000001.json")).toThrow(CorruptLogError);
    const valid = new TextEncoder().encode('{"commitInfo":{"operation":"WRITE ü"}}\n');
    expect(parseActions(valid, "x.json")).toEqual([{ commitInfo: { operation: "WRITE ü" } }]);
  });

  it("refuses a Parquet footer whose row groups do not add up to its row count (CORRUPT_PARQUET) instead of reading 0 rows", async () => {
    // six bit flips that leave the footer decodable with num_rows 1640 and no row group
    const mutation = {
      kind: "bitflip" as const,
      flips: [
        [2004597115, 7],
        [2087757821, 1],
        [509332913, 0],
        [454301077, 0],
        [1995299947, 7],
        [508721025, 5],
      ] as Array<[number, number]>,
    };
    const outcomes: string[] = [];
    for (let file = 0; file < (await parquetFixture()).dataFiles.length; file++) outcomes.push(await runDataFileCase({ file, mutation }));
    expect(outcomes.every((o) => o.startsWith("error:"))).toBe(true);
    expect(outcomes).toContain("error:CORRUPT_PARQUET");
  }, 60_000);
});
