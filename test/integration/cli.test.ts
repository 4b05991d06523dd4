/**
 * The CLI as a child process on the local store: the framework (help, usage errors, exit codes,
 * colour), every read command's human and JSON output on tables written here and on golden
 * tables, and the demo.
 */
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, truncateSync, readdirSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeDeltaTable } from "../../src/index.js";
import { GOLDEN_DIR, hasShared } from "../helpers/shared-data.js";
import { cli, cliClosedPipe, cliInTerminal, cliSignalled, cliToFd } from "../unit/cli/run-cli.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "lakelog-cli-"));
  dirs.push(dir);
  return dir;
}

const FORBID = ["--import", "./test/unit/cli/forbid-heavy.mjs"];

describe("lakelog CLI framework", () => {
  it("prints help and exits 0 without arguments, never loading Arrow, Parquet or the library", async () => {
    const none = await cli([], { nodeArgs: FORBID });
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toContain("Usage: lakelog [options] [command]");
    expect(none.stdout).toContain("Exit codes: 0 ok, 1 error, 2 usage, 3 not a Delta table");
    const version = await cli(["--version"], { nodeArgs: FORBID });
    expect(version).toMatchObject({ code: 0, stdout: "0.1.0\n" });
    const scanHelp = await cli(["scan", "--help"], { nodeArgs: FORBID });
    expect(scanHelp.code).toBe(0);
    expect(scanHelp.stdout).toContain("Usage: lakelog scan [options] <table>");
    expect(scanHelp.stdout).toContain("$ lakelog scan ./events --format csv --all > events.csv");
  });

  it.each([
    [["scan", "t", "--limt", "3"], "lakelog scan: unknown option '--limt' (did you mean --limit?); see lakelog scan --help"],
    [
      ["scan", "t", "--limit", "abc"],
      "lakelog scan: option '-n, --limit <rows>' argument 'abc' is invalid. expected a whole number ≥ 0; see lakelog scan --help",
    ],
    [
      ["scan", "t", "--limit", "-1"],
      "lakelog scan: option '-n, --limit <rows>' argument '-1' is invalid. expected a whole number ≥ 0; see lakelog scan --help",
    ],
    [
      ["scan", "t", "--format", "xml"],
      "lakelog scan: option '-f, --format <format>' argument 'xml' is invalid. Allowed choices are table, ndjson, json, csv, parquet.; see lakelog scan --help",
    ],
    [
      ["info", "t", "--timestamp-as-of", "yesterday-ish"],
      "lakelog info: option '--timestamp-as-of <time>' argument 'yesterday-ish' is invalid. expected an ISO-8601 time (2024-05-01T10:00:00Z) or epoch milliseconds; see lakelog info --help",
    ],
    [["info"], "lakelog info: missing required argument 'table'; see lakelog info --help"],
    [["frobnicate"], "lakelog: unknown command 'frobnicate'; see lakelog --help"],
    [["scna", "t"], "lakelog: unknown command 'scna' (did you mean scan?); see lakelog --help"],
  ])("usage error %j: one line on stderr, exit 2, library not loaded", async (args, line) => {
    const result = await cli(args, { nodeArgs: FORBID });
    expect(result.stderr).toBe(`${line}\n`);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
  });

  it("exits 3 for a folder without a table and 2 for a bad filter or --format parquet without --output, in one line", async () => {
    const missing = await cli(["info", join(tempDir(), "nothing")]);
    expect(missing.code).toBe(3);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    expect(missing.stderr).toMatch(/^lakelog info: .*\[TABLE_NOT_FOUND\]$/m);
    const dir = tempDir();
    await writeDeltaTable(dir, [{ id: 1n }]);
    const badFilter = await cli(["scan", dir, "--where", "id = = 3"]);
    expect(badFilter.code).toBe(2);
    expect(badFilter.stderr).toMatch(/^lakelog scan: .*\[EXPRESSION_PARSE\] \(see lakelog scan --help\)\n$/);
    const unknownColumn = await cli(["scan", dir, "--where", "nope = 3"]);
    expect(unknownColumn.code).toBe(2);
    expect(unknownColumn.stderr).toContain("[UNKNOWN_COLUMN]");
    const parquet = await cli(["scan", dir, "--format", "parquet"]);
    expect(parquet).toMatchObject({ code: 2, stdout: "" });
    expect(parquet.stderr).toContain("--output FILE");
  });

  it.skipIf(!existsSync("/dev/full"))("reports a failed stdout once (exit 1) and ends quietly on a closed pipe (exit 0)", async () => {
    const dir = tempDir();
    await writeDeltaTable(
      dir,
      Array.from({ length: 5000 }, (_, i) => ({ id: BigInt(i), note: `row ${i}` })),
    );
    const full = openSync("/dev/full", "w");
    try {
      const scan = await cliToFd(["scan", dir, "--format", "csv"], full);
      expect(scan).toEqual({
        code: 1,
        stderr: "lakelog scan: cannot write the output: ENOSPC: no space left on device, write [CLI_OUTPUT]\n",
      });
      const help = await cliToFd(["--help"], full);
      expect(help).toEqual({ code: 1, stderr: "lakelog: cannot write the output: ENOSPC: no space left on device, write\n" });
    } finally {
      closeSync(full);
    }
    expect(await cliClosedPipe(["scan", dir, "--format", "csv"])).toEqual({ code: 0, stderr: "" });
    expect(await cliClosedPipe(["--help"])).toEqual({ code: 0, stderr: "" });
  });

  it("a streaming scan runs in a tuned child: Ctrl-C to the group exits 130 once, SIGTERM to lakelog ends the child too", async () => {
    const dir = tempDir();
    await writeDeltaTable(
      dir,
      Array.from({ length: 200_000 }, (_, i) => ({ id: BigInt(i), note: `row ${i}` })),
    );
    const interrupted = await cliSignalled(["scan", dir, "--format", "csv", "--all"], "SIGINT", "group", 1500);
    expect(interrupted.code, interrupted.stderr).toBe(130);
    expect(interrupted.stderr.match(/interrupting/g)).toHaveLength(1);
    const terminated = await cliSignalled(["scan", dir, "--format", "csv", "--all"], "SIGTERM", "process", 1500);
    expect(terminated.code).toBe(128 + 15);
  });

  it("never prints credentials, also not with --verbose", async () => {
    const secret = "wJalrXUtnFEMIK7MDENGbPxRfiCYSECRETKEY";
    const result = await cli(["info", "s3://no-such-bucket/t", "--verbose"], {
      env: {
        AWS_ACCESS_KEY_ID: "AKIAEXAMPLEKEYID",
        AWS_SECRET_ACCESS_KEY: secret,
        AWS_ENDPOINT_URL: "http://127.0.0.1:9",
        AWS_REGION: "us-east-1",
        AWS_MAX_ATTEMPTS: "1",
      },
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^lakelog info: /);
    expect(result.stderr).not.toContain(secret);
    expect(result.stderr).not.toContain("AKIAEXAMPLEKEYID");
  });
});

describe("lakelog read commands", () => {
  let dir: string;
  beforeAll(async () => {
    dir = tempDir();
    await writeDeltaTable(
      dir,
      [
        { id: 1n, part: "a", note: "x" },
        { id: 2n, part: "b", note: null },
      ],
      { partitionBy: ["part"] },
    );
    await writeDeltaTable(dir, [{ id: 3n, part: "a", note: "" }], { mode: "append" });
  });

  it("info shows the commit time history shows, and JSON with a stable shape", async () => {
    const human = await cli(["info", dir]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^version +1$/m);
    expect(human.stdout).toMatch(/^partitioned by +part$/m);
    expect(human.stdout).toMatch(/^rows +3$/m);
    const info = JSON.parse((await cli(["describe", dir, "--json"])).stdout);
    const history = JSON.parse((await cli(["history", dir, "--json"])).stdout);
    expect(Object.keys(info)).toEqual([
      "url",
      "version",
      "timestamp",
      "timestampMs",
      "operation",
      "id",
      "name",
      "description",
      "createdTime",
      "columns",
      "partitionColumns",
      "numFiles",
      "sizeBytes",
      "numRows",
      "filesWithoutRowCount",
      "protocol",
      "properties",
    ]);
    expect(info).toMatchObject({ version: 1, numFiles: 3, numRows: 3, partitionColumns: ["part"], operation: "WRITE" });
    expect(info.timestamp).toBe(history[0].timestamp);
    expect(human.stdout).toContain(history[0].timestamp);
    expect(info.columns).toEqual([
      { name: "id", type: "long", nullable: true },
      { name: "part", type: "string", nullable: true },
      { name: "note", type: "string", nullable: true },
    ]);
    const v0 = JSON.parse((await cli(["info", dir, "--json", "--version-as-of", "0"])).stdout);
    expect(v0).toMatchObject({ version: 0, numRows: 2 });
  });

  it("schema as a tree and as the Delta schema JSON; history newest first", async () => {
    expect((await cli(["schema", dir])).stdout).toBe("root\n├── id: long\n├── part: string (partition)\n└── note: string\n");
    const schema = JSON.parse((await cli(["schema", dir, "--json"])).stdout);
    expect(schema.fields.map((f: { name: string }) => f.name)).toEqual(["id", "part", "note"]);
    const history = await cli(["history", dir, "--limit", "1"]);
    expect(history.stdout.split("\n")[1]).toMatch(/^ +1 +\d{4}-\d\d-\d\dT.*Z +WRITE +\{"mode":"Append"/);
    const all = JSON.parse((await cli(["history", dir, "--json"])).stdout);
    expect(all.map((h: { version: number }) => h.version)).toEqual([1, 0]);
    expect(Object.keys(all[0])).toEqual([
      "version",
      "timestamp",
      "timestampMs",
      "operation",
      "operationParameters",
      "operationMetrics",
      "isBlindAppend",
      "engineInfo",
      "commitInfo",
    ]);
  });

  it("files lists every active file, --where keeps the partitions that may match, with stats coverage", async () => {
    const all = await cli(["files", dir]);
    expect(all.stdout).toMatch(/^3 files, .*$/m);
    expect(all.stdout).toContain("statistics: 3 of 3 files have min/max statistics (100%), 3 have row counts (100%)");
    const some = JSON.parse((await cli(["files", dir, "--where", "part = 'a'", "--json"])).stdout);
    expect(some.numFiles).toBe(2);
    expect(some.files.map((f: { partitionValues: { part: string } }) => f.partitionValues.part)).toEqual(["a", "a"]);
    expect(Object.keys(some.files[0])).toEqual([
      "path",
      "size",
      "modificationTime",
      "partitionValues",
      "numRecords",
      "hasMinMax",
      "deletedRows",
    ]);
    expect(some.statsCoverage).toEqual({ files: 2, withRowCount: 2, withMinMax: 2 });
  });

  it("scan in every text format: nulls distinguishable from empty strings, all rows off a terminal", async () => {
    const args = ["scan", dir, "--where", "part = 'a' OR part = 'b'"];
    const csv = (await cli([...args, "--format", "csv"])).stdout.trim().split("\n");
    expect(csv[0]).toBe("id,part,note");
    expect(csv.slice(1).sort()).toEqual(["1,a,x", "2,b,", '3,a,""']);
    const ndjson = (await cli([...args, "--format", "ndjson"])).stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(ndjson.sort((x, y) => x.id - y.id)).toEqual([
      { id: 1, part: "a", note: "x" },
      { id: 2, part: "b", note: null },
      { id: 3, part: "a", note: "" },
    ]);
    expect(JSON.parse((await cli([...args, "--format", "json"])).stdout)).toHaveLength(3);
    const table = (await cli(["scan", dir, "--columns", "id,note", "--where", "id = 2"])).stdout;
    expect(table).toBe("  id  note\n────  ────\n   2  NULL\n(1 row)\n");
    const head = await cli(["head", dir, "-n", "1", "--format", "ndjson"]);
    expect(head.stdout.trim().split("\n")).toHaveLength(1);
  });

  it("on a terminal scan stops at 20 rows and says so; --all prints everything; colour only on a TTY and never with NO_COLOR", async () => {
    const big = tempDir();
    await writeDeltaTable(
      big,
      Array.from({ length: 25 }, (_, i) => ({ id: BigInt(i), v: i % 3 === 0 ? null : "v" })),
    );
    const tty = await cliInTerminal(["scan", big]);
    expect(tty.code).toBe(0);
    const text = tty.stdout.replace(/\r/g, "");
    expect(text).toContain("(20 rows)");
    expect(text).toContain("showing the first 20 rows; --limit N for more, --all for every row");
    expect(text).toContain("\x1b[2mNULL\x1b[22m"); // a dim NULL on a terminal
    const all = await cliInTerminal(["scan", big, "--all"]);
    expect(all.stdout).toContain("(25 rows)");
    expect(all.stdout).not.toContain("showing the first");
    const noColor = await cliInTerminal(["scan", big, "--limit", "3"], { NO_COLOR: "1" });
    expect(noColor.stdout).not.toContain("\x1b[");
    expect(noColor.stdout).toContain("NULL");
    const piped = await cli(["scan", big]);
    expect(piped.stdout).toContain("(25 rows)");
    expect(piped.stdout).not.toContain("\x1b[");
  });

  it("head prints 10 rows unless --limit, and every row with --all", async () => {
    const twelve = tempDir();
    await writeDeltaTable(
      twelve,
      Array.from({ length: 12 }, (_, i) => ({ id: BigInt(i) })),
    );
    expect((await cli(["head", twelve])).stdout).toContain("(10 rows)");
    expect((await cli(["head", twelve, "--limit", "3"])).stdout).toContain("(3 rows)");
    expect((await cli(["head", twelve, "--all"])).stdout).toContain("(12 rows)");
  });

  it("health draws the file-size histogram and says what to run; --json has the numbers", async () => {
    const human = await cli(["health", dir]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^ +< 128 KiB +█+ +3 +/m);
    expect(human.stdout).toContain("small files     3 under 32 MiB (100% of files)");
    expect(human.stdout).toContain(`lakelog optimize ${dir}`);
    const json = JSON.parse((await cli(["health", dir, "--json"])).stdout);
    expect(json).toMatchObject({ version: 1, numFiles: 3, smallFiles: 3, mergeableSmallFiles: 2, partitions: 2 });
    expect(json.log).toMatchObject({ lastCheckpointVersion: null, commitsSinceCheckpoint: 2, commitFiles: 2 });
    expect(json.histogram[0]).toMatchObject({ label: "< 128 KiB", files: 3 });
    expect(json.recommendations.map((r: { command: string }) => r.command)).toEqual([`lakelog optimize ${dir}`]);
  });

  it("validate passes a whole table and exits 5 naming a missing file and a file of the wrong size", async () => {
    const ok = await cli(["validate", dir]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain("valid: version 1");
    const broken = tempDir();
    await writeDeltaTable(
      broken,
      [
        { id: 1n, part: "a" },
        { id: 2n, part: "b" },
      ],
      { partitionBy: ["part"] },
    );
    const [a] = readdirSync(join(broken, "part=a"));
    const [b] = readdirSync(join(broken, "part=b"));
    unlinkSync(join(broken, "part=a", a!));
    truncateSync(join(broken, "part=b", b!), 10);
    const bad = await cli(["validate", broken]);
    expect(bad.code).toBe(5);
    expect(bad.stdout).toContain(`missing: part=a/${a}`);
    expect(bad.stdout).toMatch(new RegExp(`size differs: part=b/${b} \\(log says \\d+ bytes, storage has 10\\)`));
    const json = JSON.parse((await cli(["validate", broken, "--json"])).stdout);
    expect(json).toMatchObject({
      ok: false,
      checks: { protocol: { ok: true }, log: { ok: true }, files: { ok: false, missing: [`part=a/${a}`] } },
    });
  });
});

describe.skipIf(!hasShared(GOLDEN_DIR))("lakelog scan on golden tables", () => {
  it("prints decimals with their scale, in CSV and JSON", async () => {
    const csv = await cli(["scan", join(GOLDEN_DIR, "basic-decimal-table/delta"), "--format", "csv"]);
    expect(csv.stdout.split("\n").sort()).toEqual([
      "",
      "-2342342.23423,-999.99,-99999.99999,-9999999999.9999999999",
      "0.00004,0.00,0.00000,0.0000000000",
      "234.00000,1.00,2.00000,3.0000000000",
      "2342222.23454,111.11,22222.22222,3333333333.3333333333",
      "part,col1,col2,col3",
    ]);
    const ndjson = await cli(["scan", join(GOLDEN_DIR, "basic-decimal-table/delta"), "--format", "ndjson", "--where", "part < 0"]);
    expect(ndjson.stdout).toBe('{"part":-2342342.23423,"col1":-999.99,"col2":-99999.99999,"col3":-9999999999.9999999999}\n');
  });

  it("prints timestamp_ntz without a zone, timestamps with Z, binary as hex or base64, nested values as JSON", async () => {
    const ntz = await cli(["scan", join(GOLDEN_DIR, "data-reader-timestamp_ntz/delta"), "--format", "csv", "--where", "id = 3"]);
    expect(ntz.stdout).toBe("id,tsNtz,tsNtzPartition\n3,2021-11-18T02:30:00.123456,2013-07-05T17:01:00.123456\n");
    const all = join(GOLDEN_DIR, "parquet-all-types/delta");
    const row = JSON.parse((await cli(["scan", all, "--format", "ndjson", "--where", "ByteType = 1"])).stdout);
    expect(row).toMatchObject({
      LongType: 2,
      FloatType: 0.234,
      BinaryType: "31",
      DateType: "1970-01-01",
      TimestampType: "1970-01-01T06:30:23.523Z",
      TimestampNTZType: "1970-01-03T17:03:54.000200",
      nested_struct: { aa: "1", ac: { aca: 1 } },
    });
    const b64 = JSON.parse(
      (await cli(["scan", all, "--format", "ndjson", "--where", "ByteType = 1", "--binary", "base64", "--columns", "BinaryType"])).stdout,
    );
    expect(b64).toEqual({ BinaryType: "MQ==" });
  });
});

describe("lakelog demo", () => {
  it("runs the demo end to end and refuses a non-empty folder without --overwrite (exit 2)", async () => {
    const dir = join(tempDir(), "demo");
    const result = await cli(["demo", dir]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("version 3: Lisbon=72, Nairobi=72, Oslo=24");
    expect(result.stdout).toContain("version 1: Lisbon=48, Nairobi=48, Oslo=48");
    const again = await cli(["demo", dir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("--overwrite");
  });
});
