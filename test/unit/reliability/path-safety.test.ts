/**
 * Probe 3: the log must not make a reader read any file the process can. A data file outside the
 * table root (another scheme, bucket, directory, or `..`) is refused unless the caller opts in.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { DeltaTable, ExternalPathRefusedError, InvalidArgumentError, type AddFile, type StructType } from "../../../src/index.js";
import { commitPath } from "../../../src/log/log-files.js";
import { checkExternalUrl, checkRelativeKey } from "../../../src/scan/path-policy.js";

const SCHEMA: StructType = { type: "struct", fields: [{ name: "id", type: "long", nullable: true, metadata: {} }] };
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/**
 * A "victim" table holding rows 1..3 in bucket `other`, and a table in its own bucket whose
 * version 1 adds the victim's data file under `path(victimFile)`.
 */
async function pointingTable(path: (otherRoot: string, file: string) => string): Promise<{ url: string; otherRoot: string }> {
  const otherRoot = `memory://other-${randomUUID()}/t`;
  const other = await DeltaTable.create(otherRoot, { schema: SCHEMA });
  await other.write([{ id: 1n }, { id: 2n }, { id: 3n }]);
  const [victim] = [...(await other.refresh()).addActions()] as AddFile[];
  const url = `memory://main-${randomUUID()}/t`;
  const table = await DeltaTable.create(url, { schema: SCHEMA });
  const add = { ...victim!, path: path(otherRoot, victim!.path) };
  await table.store.put(commitPath(1), new TextEncoder().encode(`${JSON.stringify({ add })}\n`), { mode: "create" });
  return { url, otherRoot };
}

async function failure(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  throw new Error("expected a failure");
}

describe("path safety of data files named by the log", () => {
  it("refuses by default a URL into another store, and reads it with allowExternalPaths", async () => {
    const { url } = await pointingTable((root, file) => `${root}/${file}`);
    const err = await failure(async () => (await DeltaTable.open(url)).toArrow());
    expect(err).toBeInstanceOf(ExternalPathRefusedError);
    expect((err as ExternalPathRefusedError).code).toBe("EXTERNAL_PATH_REFUSED");
    expect((err as Error).message).toMatch(/allowExternalPaths/);
    const allowed = await DeltaTable.open(url, { allowExternalPaths: true });
    expect((await allowed.toArrow()).numRows).toBe(3);
    // the consent survives refresh and time travel
    expect((await (await allowed.refresh()).toArrow()).numRows).toBe(3);
    expect((await (await allowed.loadVersion(1)).toArrow()).numRows).toBe(3);
  });

  it("reads files under an allowed root only", async () => {
    const { url, otherRoot } = await pointingTable((root, file) => `${root}/${file}`);
    expect((await (await DeltaTable.open(url, { allowedRoots: [otherRoot] })).toArrow()).numRows).toBe(3);
    expect((await (await DeltaTable.open(url, { allowedRoots: [`${otherRoot}/`] })).toArrow()).numRows).toBe(3);
    // a root is matched at a "/" boundary: memory://x/t does not allow memory://x/tt
    expect(() => checkExternalUrl("memory://x/tt/f.parquet", "memory://y/t", { allowedRoots: ["memory://x/t"] })).toThrow(
      ExternalPathRefusedError,
    );
    expect(await failure(async () => (await DeltaTable.open(url, { allowedRoots: ["memory://elsewhere"] })).toArrow())).toBeInstanceOf(
      ExternalPathRefusedError,
    );
  });

  it("refuses an absolute local path and a file:// URL in a memory table, even if the file exists", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lakelog-secret-"));
    dirs.push(dir);
    writeFileSync(join(dir, "secret.parquet"), "not for you");
    for (const path of [join(dir, "secret.parquet"), pathToFileURL(join(dir, "secret.parquet")).href]) {
      const { url } = await pointingTable(() => path);
      expect(await failure(async () => (await DeltaTable.open(url)).toArrow())).toBeInstanceOf(ExternalPathRefusedError);
    }
  });

  it.each([["../other/part.parquet"], ["a/../../part.parquet"], ["a/%2E%2E/%2E%2E/part.parquet"]])(
    "refuses the relative path %s that climbs out of the table",
    async (path) => {
      const { url } = await pointingTable(() => path);
      expect(await failure(async () => (await DeltaTable.open(url, { allowExternalPaths: true })).toArrow())).toBeInstanceOf(
        ExternalPathRefusedError,
      );
    },
  );

  it("refuses '..' in an external path even under an allowed root", () => {
    expect(() => checkExternalUrl("s3://b/clones/../secret/x.parquet", "s3://b/t", { allowedRoots: ["s3://b/clones"] })).toThrow(
      ExternalPathRefusedError,
    );
    expect(checkExternalUrl("s3://b/clones/x.parquet", "s3://b/t", { allowedRoots: ["s3://b/clones"] })).toBe("s3://b/clones/x.parquet");
  });

  it("keeps relative paths that stay inside the table", () => {
    expect(checkRelativeKey("a/../b/x.parquet", "a/../b/x.parquet", "memory://b/t")).toBe("a/../b/x.parquet");
    expect(() => checkRelativeKey("a/../../x.parquet", "a/../../x.parquet", "memory://b/t")).toThrow(ExternalPathRefusedError);
  });

  it("refuses an allowedRoots option that is not a list of URLs", async () => {
    const { url } = await pointingTable((root, file) => `${root}/${file}`);
    expect(await failure(() => DeltaTable.open(url, { allowedRoots: "memory://x" as unknown as string[] }))).toBeInstanceOf(
      InvalidArgumentError,
    );
    expect(await failure(() => DeltaTable.open(url, { allowedRoots: [""] }))).toBeInstanceOf(InvalidArgumentError);
  });
});
