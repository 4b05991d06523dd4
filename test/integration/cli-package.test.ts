/**
 * The published package: `npm pack` of the current build, unpacked into a temporary project the
 * way `npm install` lays it out (node_modules/lakelog, the bin link, the dependencies), then
 * `npx lakelog` and `require("lakelog")` from there. The dependencies are linked from this
 * checkout, so no network or npm cache is needed. Needs `npm run build` first (`npm test` builds;
 * skipped without dist/; it packs whatever dist/ holds).
 */
import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");
const BUILT = existsSync(join(ROOT, "dist/src/cli/main.js"));
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe.skipIf(!BUILT)("the lakelog package", () => {
  it("packs with the CLI and the spec; npx lakelog and require('lakelog') work from an install", { timeout: 180_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "lakelog-pack-"));
    dirs.push(dir);
    const { stdout } = await run("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: ROOT });
    const tarball = join(dir, stdout.trim().split("\n").pop()!);
    const pkg = join(dir, "node_modules/lakelog");
    mkdirSync(pkg, { recursive: true });
    mkdirSync(join(dir, "node_modules/.bin"));
    await run("tar", ["xzf", tarball, "-C", pkg, "--strip-components=1"]);
    expect(existsSync(join(pkg, "spec/cli.md"))).toBe(true);
    expect(existsSync(join(pkg, "dist/src/cli/main.js"))).toBe(true);
    for (const dep of ["apache-arrow", "commander", "fast-json-stable-stringify", "parquet-wasm"])
      symlinkSync(join(ROOT, "node_modules", dep), join(dir, "node_modules", dep), "dir");
    chmodSync(join(pkg, "dist/src/cli/main.js"), 0o755);
    symlinkSync("../lakelog/dist/src/cli/main.js", join(dir, "node_modules/.bin/lakelog"));
    const version = await run("npx", ["--offline", "--no-install", "lakelog", "--version"], { cwd: dir });
    const { version: expected } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    expect(version.stdout).toBe(`${expected}\n`);
    const demo = await run("npx", ["--offline", "--no-install", "lakelog", "demo", join(dir, "demo")], { cwd: dir });
    expect(demo.stdout).toContain("version 3: Lisbon=72, Nairobi=72, Oslo=24");
    const required = await run(
      process.execPath,
      ["-e", "const l = require('lakelog'); console.log(typeof l.DeltaTable, typeof l.writeDeltaTable)"],
      { cwd: dir },
    );
    expect(required.stdout).toBe("function function\n");
  });
});
