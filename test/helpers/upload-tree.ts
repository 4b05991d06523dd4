/**
 * Copies a local folder into an object store, for suites that read the shared tables through a
 * cloud backend: every regular file (hidden ones included) keeps its relative path under a prefix.
 */
import { createReadStream, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { ObjectStore } from "../../src/storage/store.js";

/** One local file to upload. */
export interface TreeFile {
  /** `/`-separated path relative to the folder walked. */
  relative: string;
  /** Absolute local path. */
  absolute: string;
  size: number;
}

/** Every regular file under `dir`, depth first, names in byte order. Performs synchronous directory reads. */
export function listTree(dir: string, under = ""): TreeFile[] {
  const out: TreeFile[] = [];
  for (const name of readdirSync(join(dir, under)).sort()) {
    const relative = under ? `${under}/${name}` : name;
    const absolute = join(dir, relative);
    const stat = statSync(absolute);
    if (stat.isDirectory()) out.push(...listTree(dir, relative));
    else if (stat.isFile()) out.push({ relative, absolute, size: stat.size });
  }
  return out;
}

/** Options for {@link uploadTree}. */
export interface UploadOptions {
  /** Uploads in flight at once; default 16. */
  concurrency?: number;
  /** Files of at least this many bytes go through `putStream` (multipart / staged blocks); default 1 MiB. */
  streamFrom?: number;
  signal?: AbortSignal;
}

/** What {@link uploadTree} sent. */
export interface UploadSummary {
  files: number;
  bytes: number;
  streamed: number;
}

/**
 * Uploads `files` to `store` under `prefix` (joined with `/`), at most `concurrency` at a time:
 * small files with one `put` (overwrite), large ones with `putStream` from a read stream.
 * Rejects with the first failure; no new upload starts after it (those in flight may finish).
 */
export async function uploadTree(
  store: ObjectStore,
  prefix: string,
  files: TreeFile[],
  options: UploadOptions = {},
): Promise<UploadSummary> {
  const { concurrency = 16, streamFrom = 1 << 20, signal } = options;
  const summary: UploadSummary = { files: 0, bytes: 0, streamed: 0 };
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (next < files.length && !failed) {
      const file = files[next++]!;
      signal?.throwIfAborted();
      const key = prefix ? `${prefix}/${file.relative}` : file.relative;
      if (file.size >= streamFrom) {
        await store.putStream(key, createReadStream(file.absolute), { signal });
        summary.streamed++;
      } else {
        await store.put(key, readFileSync(file.absolute), { signal });
      }
      summary.files++;
      summary.bytes += file.size;
    }
  };
  const guarded = () =>
    worker().catch((err: unknown) => {
      failed = true;
      throw err;
    });
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, guarded));
  return summary;
}
