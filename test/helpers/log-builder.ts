/**
 * Builds small Delta logs in a memory store for unit tests: one call per commit, actions as the
 * protocol's JSON.
 */
import { randomUUID } from "node:crypto";
import type { Action } from "../../src/log/actions.js";
import { commitPath } from "../../src/log/log-files.js";
import { MemoryStore } from "../../src/storage/memory-store.js";

export const SIMPLE_SCHEMA = JSON.stringify({
  type: "struct",
  fields: [
    { name: "id", type: "long", nullable: true, metadata: {} },
    { name: "part", type: "string", nullable: true, metadata: {} },
  ],
});

export const protocol = (reader = 1, writer = 2): Action => ({ protocol: { minReaderVersion: reader, minWriterVersion: writer } });

export const metaData = (extra: Partial<Extract<Action, { metaData: unknown }>["metaData"]> = {}): Action => ({
  metaData: {
    id: "test-table",
    format: { provider: "parquet", options: {} },
    schemaString: SIMPLE_SCHEMA,
    partitionColumns: [],
    configuration: {},
    createdTime: 0,
    ...extra,
  },
});

export const add = (path: string, extra: Record<string, unknown> = {}): Action => ({
  add: { path, partitionValues: {}, size: 100, modificationTime: 1, dataChange: true, ...extra },
});

export const remove = (path: string, extra: Record<string, unknown> = {}): Action => ({
  remove: { path, deletionTimestamp: 2, dataChange: true, ...extra },
});

/** A fresh memory store and a function that writes commit `version` with the given actions. */
export function logStore(): { store: MemoryStore; commit: (version: number, actions: Action[]) => Promise<void> } {
  const store = new MemoryStore({ bucket: `log-${randomUUID()}`, prefix: "table" });
  const commit = async (version: number, actions: Action[]) => {
    const body = actions.map((a) => JSON.stringify(a)).join("\n") + "\n";
    await store.put(commitPath(version), new TextEncoder().encode(body), { mode: "create" });
  };
  return { store, commit };
}
