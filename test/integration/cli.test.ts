/**
 * The CLI as a child process, on the local store: the demo end to end and the inspect commands.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { writeDeltaTable } from "../../src/table/delta-table.js";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", resolve(ROOT, "src/cli/main.ts"), ...args], { cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "lakelog-cli-"));
  dirs.push(dir);
  return dir;
}

describe("lakelog CLI", () => {
  it("runs the demo: create, write, overwrite, read back, time travel, history", async () => {
    const dir = join(tempDir(), "demo");
    const result = await cli("demo", dir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("version 3: Lisbon=72, Nairobi=72, Oslo=24");
    expect(result.stdout).toContain("version 1: Lisbon=48, Nairobi=48, Oslo=48");
    expect(result.stdout).toMatch(/3 +\S+ +WRITE +\{"mode":"Overwrite"/);
    // a second run without --overwrite refuses to touch the folder
    const again = await cli("demo", dir);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("--overwrite");
  });

  it("prints info, schema, files, history and rows of a table", async () => {
    const dir = tempDir();
    await writeDeltaTable(dir, [{ id: 1n, part: "a" }, { id: 2n, part: "b" }], { partitionBy: ["part"] });
    await writeDeltaTable(dir, [{ id: 3n, part: "a" }], { mode: "append" });
    const info = await cli("info", dir);
    expect(info.stdout).toMatch(/version +1/);
    expect(info.stdout).toMatch(/partitioned by part/);
    expect(JSON.parse((await cli("schema", dir)).stdout).fields.map((f: { name: string }) => f.name)).toEqual(["id", "part"]);
    expect((await cli("files", dir)).stdout.trim().split("\n")).toHaveLength(3);
    expect((await cli("history", dir, "--limit", "1")).stdout).toMatch(/^ +1 .*WRITE/);
    const rows = (await cli("scan", dir, "--filter", "part = 'a'", "--format", "json")).stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(rows.map((r) => r.id).sort()).toEqual(["1", "3"]);
    const old = (await cli("scan", dir, "--version-as-of", "0", "--format", "csv")).stdout.trim().split("\n");
    expect(old).toHaveLength(3); // header + 2 rows
  });

  it("reports a missing table with its error code and exit status 1", async () => {
    const result = await cli("info", join(tempDir(), "nothing"));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("[TABLE_NOT_FOUND]");
  });

  it("prints help, and refuses unknown commands with exit status 2", async () => {
    expect((await cli("--help")).stdout).toContain("Usage: lakelog <command>");
    expect((await cli("frobnicate")).code).toBe(2);
  });
});
