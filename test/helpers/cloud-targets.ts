/**
 * The backends every cross-backend suite runs against. Cloud targets come from the global setup
 * (test/setup/servers.ts) through vitest's provide/inject.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, inject } from "vitest";
import type { CloudTarget } from "../../scripts/test-servers.js";

export type { CloudTarget };

/** Names of the four backends. */
export type BackendName = "local" | "memory" | "s3" | "azure";

/** Every backend, each with a fresh, unique root for this call. */
export function backendTargets(): Array<{ name: BackendName; fresh: () => CloudTarget }> {
  return [
    { name: "local", fresh: () => ({ url: mkdtempSync(join(tmpdir(), "lakelog-test-")), options: {} }) },
    { name: "memory", fresh: () => ({ url: `memory://test-${randomUUID()}/root`, options: {} }) },
    { name: "s3", fresh: () => freshUnder("s3", inject("s3")) },
    { name: "azure", fresh: () => freshUnder("azure", inject("azure")) },
  ];
}

/**
 * The backends that separate processes can share (all but memory), for suites that start child
 * processes. Local roots made through them are removed after the calling file's tests.
 */
export function processBackendTargets(): Array<{ name: BackendName; fresh: () => CloudTarget }> {
  const localRoots: string[] = [];
  afterAll(() => {
    for (const root of localRoots.splice(0)) rmSync(root, { recursive: true, force: true });
  });
  return backendTargets()
    .filter((b) => b.name !== "memory")
    .map((b) => ({
      name: b.name,
      fresh: () => {
        const target = b.fresh();
        if (b.name === "local") localRoots.push(target.url);
        return target;
      },
    }));
}

function freshUnder(name: string, target: CloudTarget | undefined): CloudTarget {
  if (!target) throw new Error(`no ${name} test server: run this file through the "servers" vitest project, whose setup starts it`);
  return { url: `${target.url}/${randomUUID()}`, options: target.options };
}
