/**
 * lakelog's version, read once from its package.json (the nearest one above this module named
 * `lakelog`), so the version lives in one place: from `src/` under tsx, from `dist/src/` after a
 * build, and from an installed package alike.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cached: string | undefined;

/** The `version` field of lakelog's package.json (`0.0.0-unknown` if it cannot be found). */
export function lakelogVersion(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "lakelog" && typeof pkg.version === "string") return (cached = pkg.version);
    } catch {
      // no package.json here: keep walking up
    }
    dir = dirname(dir);
  }
  return (cached = "0.0.0-unknown");
}
