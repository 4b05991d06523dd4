/**
 * The CLI's writing commands as child processes: create, import (CSV, NDJSON, Parquet), scan to
 * a Parquet file and back, the maintenance commands end to end, and Ctrl-C during optimize in a
 * pseudo-terminal leaving the table as it was.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Table, Utf8, vectorFromArray } from "apache-arrow";
import { afterAll, describe, expect, it } from "vitest";
import { createEngine, DeltaTable, LocalStore, writeDeltaTable } from "../../src/index.js";
import { humanBytes } from "../../src/cli/style.js";
import { CLI_MAIN, cli } from "../unit/cli/run-cli.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "lakelog-cli-write-"));
  dirs.push(dir);
  return dir;
}

const CSV = [
  "id,name,amount,day,at,ok",
  "1,alice,12.50,2024-05-01,2024-05-01T10:00:00.123456Z,true",
  '2,"bob, jr",,2024-05-02,2024-05-02T11:00:00Z,false',
  '3,"",-0.25,2024-05-02,2024-05-02T12:00:00Z,',
  "",
].join("\n");

describe("lakelog create and import", () => {
  it("creates a table from a DDL schema and imports CSV typed by it, exactly", async () => {
    const dir = tempDir();
    const table = join(dir, "t");
    writeFileSync(join(dir, "a.csv"), CSV);
    const created = await cli([
      "create",
      table,
      "--schema",
      "id long not null, name string, amount decimal(10,2), day date, at timestamp, ok boolean",
      "--partition-by",
      "day",
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toBe(
      `created ${table} at version 0: id long not null, name string, amount decimal(10,2), day date, at timestamp, ok boolean; partitioned by day\n`,
    );
    const again = await cli(["create", table, "--schema", "id long"]);
    expect(again.code).toBe(4);
    expect(again.stderr).toContain("[TABLE_EXISTS]");
    const imported = await cli(["import", table, join(dir, "a.csv"), "--json"]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ version: 1, rows: 3, files: 2 });
    const csv = await cli(["scan", table, "--format", "csv"]);
    expect(csv.stdout.trim().split("\n").sort()).toEqual([
      "1,alice,12.50,2024-05-01,2024-05-01T10:00:00.123456Z,true",
      '2,"bob, jr",,2024-05-02,2024-05-02T11:00:00.000Z,false',
      '3,"",-0.25,2024-05-02,2024-05-02T12:00:00.000Z,',
      "id,name,amount,day,at,ok",
    ]);
  });

  it("infers NDJSON types (nested too), overwrites with --mode overwrite, and names the row of a bad value", async () => {
    const dir = tempDir();
    const table = join(dir, "t");
    writeFileSync(
      join(dir, "b.ndjson"),
      '{"id":4,"name":"dan","tags":["x","y"],"pos":{"x":1.5,"y":2}}\n{"id":5,"name":null,"tags":[],"pos":null}\n',
    );
    const first = await cli(["import", table, join(dir, "b.ndjson")]);
    expect(first.stdout).toBe(`imported 2 rows from 1 file into ${table}: version 0, 1 data file (${await bytesOf(table)})\n`);
    expect((await cli(["schema", table])).stdout).toBe(
      "root\n├── id: long\n├── name: string\n├── tags: array<string>\n└── pos: struct\n    ├── x: double\n    └── y: long\n",
    );
    expect((await cli(["scan", table, "--format", "ndjson"])).stdout).toBe(
      '{"id":4,"name":"dan","tags":["x","y"],"pos":{"x":1.5,"y":2}}\n{"id":5,"name":null,"tags":[],"pos":null}\n',
    );
    writeFileSync(join(dir, "c.ndjson"), '{"id":6,"name":"eve","tags":null,"pos":null}\n');
    const over = await cli(["import", table, join(dir, "c.ndjson"), "--mode", "overwrite"]);
    expect(over.stdout).toContain("version 1");
    expect(over.stdout).toContain("replaced 1 file");
    expect((await cli(["scan", table, "--format", "csv", "--columns", "id,name"])).stdout).toBe("id,name\n6,eve\n");
    writeFileSync(join(dir, "bad.ndjson"), '{"id":7}\n{"id":"seven"}\n');
    const bad = await cli(["import", table, join(dir, "bad.ndjson")]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      'lakelog import: row 2, column id: "seven" is not a long (give the column types with --schema) [CLI_BAD_INPUT]\n',
    );
    expect(JSON.parse((await cli(["info", table, "--json"])).stdout).version).toBe(1);
  });

  it("scans to a Parquet file and imports it back with the same rows; refuses to replace a file without --force", async () => {
    const dir = tempDir();
    const source = join(dir, "src");
    writeFileSync(join(dir, "a.csv"), CSV);
    await cli([
      "import",
      source,
      join(dir, "a.csv"),
      "--schema",
      "id long, name string, amount decimal(10,2), day date, at timestamp, ok boolean",
    ]);
    const out = join(dir, "rows.parquet");
    const scan = await cli(["scan", source, "--format", "parquet", "--output", out]);
    expect(scan.code, scan.stderr).toBe(0);
    expect(scan.stderr).toBe(`wrote 3 rows to ${out}\n`);
    const refused = await cli(["scan", source, "--output", out]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("--force");
    const copy = join(dir, "copy");
    expect((await cli(["import", copy, out])).code).toBe(0);
    const a = (await cli(["scan", source, "--format", "csv"])).stdout.split("\n").sort();
    const b = (await cli(["scan", copy, "--format", "csv"])).stdout.split("\n").sort();
    expect(b).toEqual(a);
    expect((await cli(["schema", copy, "--json"])).stdout).toBe((await cli(["schema", source, "--json"])).stdout);
    // a damaged Parquet input fails typed, in one line, and writes nothing
    const truncated = join(dir, "truncated.parquet");
    writeFileSync(truncated, readFileSync(out).subarray(0, 100));
    const broken = await cli(["import", join(dir, "never"), truncated]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/corrupt Parquet file: truncated\.parquet: .*\[CORRUPT_PARQUET\]\n$/);
    expect(broken.stderr.trim().split("\n")).toHaveLength(1);
    expect(existsSync(join(dir, "never", "_delta_log"))).toBe(false);
  });

  it("imports a Parquet file of many row groups one decode unit at a time, every row once", async () => {
    const dir = tempDir();
    const rows = 30_000;
    const batch = new Table({
      id: vectorFromArray(BigInt64Array.from({ length: rows }, (_, i) => BigInt(i))),
      name: vectorFromArray(
        Array.from({ length: rows }, (_, i) => `n${i % 97}`),
        new Utf8(),
      ),
    }).batches;
    const engine = createEngine(new LocalStore(dir));
    const { data } = engine.parquet.writeBuffer(batch, { rowGroupSize: 4_000 });
    writeFileSync(join(dir, "rows.parquet"), data);
    expect((await engine.parquet.readInfo(engine.store, "rows.parquet")).rowGroups.length).toBe(8);
    const copy = join(dir, "copy");
    const imported = await cli(["import", copy, join(dir, "rows.parquet")]);
    expect(imported.code, imported.stderr).toBe(0);
    const table = await DeltaTable.open(copy);
    const read = await table.toArrow({ columns: ["id", "name"] });
    expect(read.numRows).toBe(rows);
    const ids = read.getChild("id")!.toArray() as BigInt64Array;
    expect(new Set(Array.from(ids, Number)).size).toBe(rows);
    expect(read.getChild("name")!.get(0)).toBe(`n${Number(ids[0]) % 97}`);
  });
});

async function bytesOf(table: string): Promise<string> {
  const t = await DeltaTable.open(table);
  let bytes = 0;
  for (const a of t.addActions()) bytes += a.size;
  return humanBytes(bytes);
}

describe("lakelog maintenance commands", () => {
  it(
    "optimize, checkpoint, vacuum (dry run, then --apply), restore, delete, cleanup-log, and health and history see them",
    { timeout: 300_000 },
    async () => {
      const table = join(tempDir(), "t");
      for (let i = 0; i < 3; i++) await writeDeltaTable(table, [{ id: BigInt(i), v: `r${i}` }], { mode: "append" });
      const optimized = JSON.parse((await cli(["optimize", table, "--json"])).stdout);
      expect(optimized).toMatchObject({ version: 3, committed: true, numFilesRemoved: 3, numFilesAdded: 1 });
      const cp = await cli(["checkpoint", table]);
      expect(cp.stdout).toMatch(/^checkpoint of version 3 written \(classic, 1 part\): 1 active files, 3 tombstones/);
      const health = JSON.parse((await cli(["health", table, "--json"])).stdout);
      expect(health.log).toMatchObject({ lastCheckpointVersion: 3, commitsSinceCheckpoint: 0 });
      // optimize just removed 3 files: remembered in the log, but inside the 7-day default retention
      expect(health.removedFiles.files).toBe(3);
      expect(health.vacuumable).toMatchObject({ files: 0, bytes: 0, retentionHours: 168 });
      const dry = await cli(["vacuum", table, "--retain-hours", "0", "--no-retention-check"]);
      expect(dry.stdout).toContain("would delete 3 files");
      expect(dry.stdout).toContain("this was a dry run: add --apply to delete them");
      const refused = await cli(["vacuum", table, "--retain-hours", "0", "--apply"]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("[VACUUM_RETENTION_TOO_SHORT] (on the command line: --no-retention-check)");
      const applied = JSON.parse((await cli(["vacuum", table, "--retain-hours", "0", "--no-retention-check", "--apply", "--json"])).stdout);
      expect(applied).toMatchObject({ dryRun: false, mode: "lite" });
      expect(applied.filesDeleted).toHaveLength(3);
      expect((await cli(["validate", table])).code).toBe(0);
      const deleted = await cli(["delete", table, "--where", "id = 1"]);
      expect(deleted.stdout).toMatch(/^version 6: deleted 1 row/);
      const restored = await cli(["restore", table, "--version", "3"]);
      expect(restored.code, restored.stderr).toBe(0);
      expect(restored.stdout).toMatch(/^version 7: restored the content of version 3/);
      expect((await cli(["scan", table, "--format", "csv", "--columns", "id"])).stdout.split("\n").slice(1, -1).sort()).toEqual([
        "0",
        "1",
        "2",
      ]);
      const both = await cli(["restore", table]);
      expect(both.code).toBe(2);
      const cleanup = await cli(["cleanup-log", table]);
      expect(cleanup.stdout).toMatch(/^deleted 0 log files older than /);
      const ops = JSON.parse((await cli(["history", table, "--json"])).stdout).map((h: { operation: string }) => h.operation);
      expect(ops).toEqual(["RESTORE", "DELETE", "VACUUM END", "VACUUM START", "OPTIMIZE", "WRITE", "WRITE", "WRITE"]);
    },
  );

  it("Ctrl-C during optimize on a terminal shows progress, exits 130 and leaves the table as it was", async () => {
    const table = join(tempDir(), "t");
    const rows = (f: number) =>
      Array.from({ length: 3000 }, (_, i) => ({ id: BigInt(f * 100_000 + i), s: `${"x".repeat(20)}${i}`, v: i * 1.5 }));
    for (let f = 0; f < 2; f++) await writeDeltaTable(table, rows(f), { mode: "append", targetFileSize: 2000 });
    const before = (await DeltaTable.open(table)).version;
    const result = await interruptWhenProgressShows(["optimize", table, "--target-size", "100000"]);
    expect(result.output).toMatch(/\[[█░]+\] +\d+% {2}\d+\/\d+ bins/);
    expect(result.code).toBe(130);
    expect(result.output).toContain("lakelog optimize: interrupted; nothing was committed");
    expect((await DeltaTable.open(table)).version).toBe(before);
    expect((await cli(["validate", table])).code).toBe(0);
  });
});

/** Runs the CLI in a pseudo-terminal and types Ctrl-C once its progress bar appears. */
function interruptWhenProgressShows(args: string[]): Promise<{ code: number; output: string }> {
  const quote = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;
  const command = [process.execPath, CLI_MAIN, ...args].map(quote).join(" ");
  return new Promise((done) => {
    const child = spawn("script", ["-qec", command, "/dev/null"], {
      env: { ...process.env, TERM: "xterm" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let output = "";
    let sent = false;
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
      if (!sent && output.includes(" bins")) {
        sent = true;
        child.stdin.write("\x03");
      }
    });
    child.on("close", (code) => done({ code: code ?? 1, output }));
  });
}

describe("lakelog changes", () => {
  it("prints the change data feed of a version range with the change columns", async () => {
    const dir = tempDir();
    const table = join(dir, "t");
    writeFileSync(join(dir, "c.csv"), "id,v\n1,a\n2,b\n");
    await cli(["create", table, "--schema", "id long, v string", "--property", "delta.enableChangeDataFeed=true"]);
    await cli(["import", table, join(dir, "c.csv")]);
    await cli(["delete", table, "--where", "id = 1"]);
    const all = (await cli(["changes", table, "--from", "1", "--format", "csv", "--columns", "id,v"])).stdout.trim().split("\n");
    expect(all[0]).toBe("id,v,_change_type,_commit_version,_commit_timestamp");
    expect(
      all
        .slice(1)
        .map((l) => l.split(",").slice(0, 4).join(","))
        .sort(),
    ).toEqual(["1,a,delete,2", "1,a,insert,1", "2,b,insert,1"]);
    const last = JSON.parse((await cli(["changes", table, "--from", "2", "--to", "2", "--format", "json"])).stdout);
    expect(last).toMatchObject([{ id: 1, v: "a", _change_type: "delete", _commit_version: 2 }]);
    expect((await cli(["changes", table])).code).toBe(2);
  });

  it("filters the change rows with --where and with its alias --filter alike", async () => {
    const dir = tempDir();
    const table = join(dir, "t");
    writeFileSync(join(dir, "c.csv"), "id,v\n1,a\n2,b\n");
    await cli(["create", table, "--schema", "id long, v string", "--property", "delta.enableChangeDataFeed=true"]);
    await cli(["import", table, join(dir, "c.csv")]);
    for (const flag of ["--where", "--filter"]) {
      const rows = await cli(["changes", table, "--from", "1", "--format", "ndjson", "--columns", "id", flag, "id = 2"]);
      expect(rows.code, rows.stderr).toBe(0);
      expect(
        rows.stdout
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l).id),
      ).toEqual([2]);
    }
  });
});

describe("lakelog import edge cases", () => {
  it("refuses an unknown extension (exit 2) and a missing file (exit 2)", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "x.dat"), "a\n1\n");
    const unknown = await cli(["import", join(dir, "t"), join(dir, "x.dat")]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("--format csv|ndjson|parquet");
    const missing = await cli(["import", join(dir, "t"), join(dir, "nope.csv")]);
    expect(missing.code).toBe(2);
    expect(existsSync(join(dir, "t"))).toBe(false);
  });
});
