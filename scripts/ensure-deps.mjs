#!/usr/bin/env node
// Installs the npm dependencies (npm install, which keeps the lock file) when node_modules is missing or older than the lock
// file, so `npm test` and `npm run demo` work straight after cloning.
import { execSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const marker = join(root, "node_modules", ".package-lock.json");
const lock = join(root, "package-lock.json");
const stale = !existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs;
if (stale) {
  console.log("[lakelog] installing npm dependencies (npm install)...");
  execSync("npm install --no-audit --no-fund", { cwd: root, stdio: "inherit" });
}
