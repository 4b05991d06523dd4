/**
 * `lakelog update` as a child process: expressions and string literals in `--set`, the metrics
 * (human and JSON), usage errors (exit 2, one line), typed expression errors (2 for a bad literal,
 * as for filters; 1 for a violated CHECK constraint),
 * and `health` reporting what a real vacuum dry run would delete after the update.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DeltaTable, writeDeltaTable } from "../../src/index.js";
import { cli } from "../unit/cli/run-cli.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempTable(): string {
  const dir = mkdtempSync(join(tmpdir(), "lakelog-cli-update-"));
  dirs.push(dir);
  return join(dir, "t");
}

const ROWS = [
  { id: 1n, name: "a", n: 10n },
  { id: 2n, name: "b", n: 20n },
  { id: 3n, name: "c", n: 30n },
];

async function rowsOf(url: string): Promise<Array<[number, string, number]>> {
  const t = await (await DeltaTable.open(url)).toArrow();
  return t
    .toArray()
    .map((r: { id: bigint; name: string; n: bigint }) => [Number(r.id), r.name, Number(r.n)] as [number, string, number])
    .sort((a, b) => a[0] - b[0]);
}

describe("lakelog update", () => {
  it("sets a string literal and an expression of the row; prints the metrics as JSON and as text", { timeout: 120_000 }, async () => {
    const table = tempTable();
    await writeDeltaTable(table, ROWS);
    const json = await cli(["update", table, "--where", "id = 2", "--set", "name='x y'", "--set", "n = n + 1", "--json"]);
    expect(json.code, json.stderr).toBe(0);
    const out = JSON.parse(json.stdout);
    expect(out).toMatchObject({ version: 1, metrics: { numUpdatedRows: 1, numAddedFiles: 1, numRemovedFiles: 1 } });
    expect(Object.keys(out.metrics)).toEqual(expect.arrayContaining(["numCopiedRows", "numDeletionVectorsAdded", "executionTimeMs"]));
    expect(await rowsOf(table)).toEqual([
      [1, "a", 10],
      [2, "x y", 21],
      [3, "c", 30],
    ]);
    const human = await cli(["update", table, "--where", "n >= 21", "--set", "n=n*10"]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^version 2: updated 2 rows \(1 file added, 1 file removed, 0 deletion vectors added, 1 row copied\)\n$/);
    expect(await rowsOf(table)).toEqual([
      [1, "a", 10],
      [2, "x y", 210],
      [3, "c", 300],
    ]);
  });

  it("exits 2 with one line for a missing --set or a --set without '='", { timeout: 120_000 }, async () => {
    const table = tempTable();
    await writeDeltaTable(table, ROWS);
    const noSet = await cli(["update", table, "--where", "id = 1"]);
    expect(noSet.code).toBe(2);
    expect(noSet.stderr).toBe("lakelog update: give at least one --set column=expression (see lakelog update --help)\n");
    const noEq = await cli(["update", table, "--where", "id = 1", "--set", "name"]);
    expect(noEq.code).toBe(2);
    expect(noEq.stderr.trim().split("\n")).toHaveLength(1);
    expect(noEq.stderr).toContain("lakelog update: option '--set <column=expr>' argument 'name' is invalid. expected column=expression");
  });

  it(
    "reports typed expression errors with their message: a literal the column cannot hold (2), a violated CHECK (1)",
    { timeout: 120_000 },
    async () => {
      const table = tempTable();
      await writeDeltaTable(table, ROWS);
      await (await DeltaTable.open(table)).addConstraint("n_positive", "n > 0");
      const literal = await cli(["update", table, "--where", "id = 1", "--set", "n='ten'"]);
      expect(literal.code, literal.stderr).toBe(2);
      expect(literal.stderr).toMatch(/^lakelog update: literal 'ten' does not fit column .* of type long: .* \[INCOMPATIBLE_LITERAL\]/);
      const check = await cli(["update", table, "--where", "id = 1", "--set", "n=0-n"]);
      expect(check.code, check.stderr).toBe(1);
      expect(check.stderr).toMatch(/^lakelog update: .*n_positive.* \[[A-Z_]+\]\n/);
      expect((await DeltaTable.open(table)).version).toBe(1);
    },
  );

  it("health counts the file the update removed as vacuumable once it is past the table's retention", { timeout: 120_000 }, async () => {
    const table = tempTable();
    await writeDeltaTable(table, ROWS, { properties: { "delta.deletedFileRetentionDuration": "interval 0 hours" } });
    const updated = await cli(["update", table, "--all-rows", "--set", "n=0", "--json"]);
    expect(updated.code, updated.stderr).toBe(0);
    const health = JSON.parse((await cli(["health", table, "--json"])).stdout);
    const removed = [...(await DeltaTable.open(table)).snapshot.tombstones.values()];
    expect(removed).toHaveLength(1);
    expect(health.removedFiles).toEqual({ files: 1, bytes: removed[0]!.size });
    expect(health.vacuumable).toMatchObject({ files: 1, bytes: removed[0]!.size, retentionHours: 0 });
    expect(health.recommendations.map((r: { command: string }) => r.command)).toContain(`lakelog vacuum ${table}`);
  });
});
