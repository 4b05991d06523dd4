/**
 * Local filesystem store: the embedded default.
 *
 * Every write goes to a hidden temporary file in the target's directory, is fsynced, and is then
 * published atomically: `rename` for overwrite, `link` for create (link fails with EEXIST if the
 * target exists, which makes create-if-absent atomic across processes), followed by an fsync of
 * the directory. Temporary files are never listed.
 */
import { randomUUID } from "node:crypto";
import type { Dirent, Stats } from "node:fs";
import * as fs from "node:fs/promises";
import * as nodePath from "node:path";
import { AlreadyExistsError, NotFoundError, PreconditionError } from "../errors/storage-errors.js";
import { forEachConcurrent, prefetchInOrder } from "../util/concurrency.js";
import { translateFsError } from "./local-errors.js";
import { compareKeys, normalizePath, normalizePrefix } from "./paths.js";
import { resolveRange } from "./ranges.js";
import type {
  CallOptions,
  GetOptions,
  ListOptions,
  ObjectMeta,
  ObjectStore,
  PutOptions,
  PutResult,
  PutStreamOptions,
  StoreCapabilities,
} from "./store.js";

/** Names starting with this are in-progress writes or locks; `list` skips them unless asked (`includeHidden`). */
export const LOCAL_TEMP_PREFIX = ".lakelog-tmp-";
const LOCK_SUFFIX = ".lakelog-lock";
const STALE_LOCK_MS = 30_000;
/** `stat` calls in flight while listing one directory. */
const STAT_CONCURRENCY = 32;

/** An {@link ObjectStore} over a directory of the local filesystem. */
export class LocalStore implements ObjectStore {
  readonly backend = "local";
  readonly rootUrl: string;
  readonly capabilities: StoreCapabilities = { atomicCreate: "native", conditionalUpdate: true };
  /** Absolute root directory. */
  readonly root: string;

  constructor(root: string) {
    this.root = nodePath.resolve(root);
    this.rootUrl = `file://${this.root}`;
  }

  private file(path: string): string {
    return nodePath.join(this.root, ...normalizePath(path, this.backend).split("/"));
  }

  async get(path: string, options: GetOptions = {}): Promise<Uint8Array> {
    options.signal?.throwIfAborted();
    const file = this.file(path);
    try {
      if (!options.range) return await fs.readFile(file, { signal: options.signal }); // a Buffer is a Uint8Array: no copy
      const handle = await fs.open(file, "r");
      try {
        const { size } = await handle.stat();
        const { start, end } = resolveRange(options.range, size);
        const out = new Uint8Array(end - start);
        let done = 0;
        while (done < out.byteLength) {
          const { bytesRead } = await handle.read(out, done, out.byteLength - done, start + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return done === out.byteLength ? out : out.subarray(0, done);
      } finally {
        await handle.close();
      }
    } catch (err) {
      throw translateFsError(err, path, this.backend);
    }
  }

  async head(path: string, options: CallOptions = {}): Promise<ObjectMeta> {
    options.signal?.throwIfAborted();
    try {
      const stat = await fs.stat(this.file(path), { bigint: false });
      if (!stat.isFile()) throw new NotFoundError(path, this.backend);
      return statMeta(normalizePath(path, this.backend), stat);
    } catch (err) {
      throw translateFsError(err, path, this.backend);
    }
  }

  async put(path: string, data: Uint8Array, options: PutOptions = {}): Promise<PutResult> {
    options.signal?.throwIfAborted();
    const file = this.file(path);
    const mode = options.mode ?? "overwrite";
    try {
      const temp = await this.writeTemp(file, async (handle) => {
        await handle.writeFile(data);
      });
      if (typeof mode === "object") return await this.swapIfMatch(path, file, temp, mode.ifMatch);
      await this.publish(path, file, temp, mode === "create");
      return { etag: etagOf(await fs.stat(file)) };
    } catch (err) {
      throw translateFsError(err, path, this.backend, "write");
    }
  }

  async putStream(path: string, source: AsyncIterable<Uint8Array>, options: PutStreamOptions = {}): Promise<PutResult> {
    const file = this.file(path);
    try {
      const temp = await this.writeTemp(file, async (handle) => {
        for await (const chunk of source) {
          options.signal?.throwIfAborted();
          let written = 0;
          while (written < chunk.byteLength) {
            const { bytesWritten } = await handle.write(chunk, written, chunk.byteLength - written);
            written += bytesWritten;
          }
        }
        options.signal?.throwIfAborted();
      });
      await this.publish(path, file, temp, false);
      return { etag: etagOf(await fs.stat(file)) };
    } catch (err) {
      throw translateFsError(err, path, this.backend, "write");
    }
  }

  /** Writes a fsynced temp file beside `file` and returns its name; removes it on failure. */
  private async writeTemp(file: string, fill: (handle: fs.FileHandle) => Promise<void>): Promise<string> {
    const dir = nodePath.dirname(file);
    await fs.mkdir(dir, { recursive: true });
    const temp = nodePath.join(dir, `${LOCAL_TEMP_PREFIX}${randomUUID()}`);
    const handle = await fs.open(temp, "wx");
    try {
      await fill(handle);
      await handle.sync();
    } catch (err) {
      await handle.close().catch(() => undefined);
      await fs.rm(temp, { force: true });
      throw err;
    }
    await handle.close();
    return temp;
  }

  /** Moves a finished temp file into place: link (create-if-absent) or rename (overwrite). */
  private async publish(path: string, file: string, temp: string, exclusive: boolean): Promise<void> {
    try {
      if (exclusive) {
        try {
          await fs.link(temp, file);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === "EEXIST") throw new AlreadyExistsError(path, this.backend, { cause: err });
          throw err;
        }
        await fs.rm(temp, { force: true });
      } else {
        await fs.rename(temp, file);
      }
    } catch (err) {
      await fs.rm(temp, { force: true });
      throw err;
    }
    await syncDirectory(nodePath.dirname(file));
  }

  /**
   * Compare-and-swap under a lock file (created with O_EXCL, broken when older than 30 s so a
   * crashed writer cannot block the path forever).
   */
  private async swapIfMatch(path: string, file: string, temp: string, ifMatch: string): Promise<PutResult> {
    const lock = nodePath.join(nodePath.dirname(file), `${LOCAL_TEMP_PREFIX}${nodePath.basename(file)}${LOCK_SUFFIX}`);
    try {
      await acquireLock(lock);
    } catch (err) {
      await fs.rm(temp, { force: true });
      throw err;
    }
    try {
      let current: Stats;
      try {
        current = await fs.stat(file);
      } catch (err) {
        throw translateFsError(err, path, this.backend);
      }
      if (etagOf(current) !== ifMatch) throw new PreconditionError(path, this.backend, ifMatch);
      await this.publish(path, file, temp, false);
      return { etag: etagOf(await fs.stat(file)) };
    } finally {
      await fs.rm(temp, { force: true });
      await fs.rm(lock, { force: true });
    }
  }

  async delete(path: string, options: CallOptions = {}): Promise<void> {
    options.signal?.throwIfAborted();
    try {
      await fs.rm(this.file(path), { force: true });
    } catch (err) {
      throw translateFsError(err, path, this.backend);
    }
  }

  async deleteMany(paths: Iterable<string> | AsyncIterable<string>, options: CallOptions = {}): Promise<void> {
    await forEachConcurrent(paths, 16, (path) => this.delete(path, options), options.signal);
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<ObjectMeta> {
    const wanted = normalizePrefix(prefix, this.backend);
    const after = options.startAfter === undefined ? undefined : normalizePath(options.startAfter, this.backend);
    // the deepest directory that holds every key with this prefix
    const cut = wanted.lastIndexOf("/");
    const dirKey = cut < 0 ? "" : wanted.slice(0, cut);
    yield* this.walk(dirKey, wanted, after, options.signal, options.includeHidden === true);
  }

  /** Depth-first walk in byte order: a directory `d` sorts as `d/`, so `d.txt` comes before `d/x`. */
  private async *walk(
    dirKey: string,
    wanted: string,
    after: string | undefined,
    signal?: AbortSignal,
    withTemp = false,
  ): AsyncIterable<ObjectMeta> {
    signal?.throwIfAborted();
    const dir = dirKey === "" ? this.root : nodePath.join(this.root, ...dirKey.split("/"));
    let entries: Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return;
      throw translateFsError(err, dirKey, this.backend);
    }
    const items = entries
      .filter((e) => (withTemp || !e.name.startsWith(LOCAL_TEMP_PREFIX)) && (e.isFile() || e.isDirectory()))
      .map((e) => {
        const key = dirKey === "" ? e.name : `${dirKey}/${e.name}`;
        return { key, isDir: e.isDirectory(), sortKey: e.isDirectory() ? `${key}/` : key };
      })
      .sort((a, b) => compareKeys(a.sortKey, b.sortKey));
    // stats of the files ahead run concurrently (a bounded window), results still in byte order
    const statOf = async (item: (typeof items)[number]): Promise<Stats | undefined> => {
      if (item.isDir || !item.key.startsWith(wanted) || (after !== undefined && compareKeys(item.key, after) <= 0)) return undefined;
      try {
        return await fs.stat(nodePath.join(dir, nodePath.basename(item.key)));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined; // deleted while listing
        throw translateFsError(err, item.key, this.backend);
      }
    };
    let index = 0;
    for await (const stat of prefetchInOrder(items, STAT_CONCURRENCY, statOf)) {
      const item = items[index++]!;
      if (item.isDir) {
        const subtree = item.sortKey;
        const relevant = subtree.startsWith(wanted) || wanted.startsWith(subtree);
        const pastStart = after === undefined || compareKeys(subtree, after) > 0 || after.startsWith(subtree);
        if (relevant && pastStart) yield* this.walk(item.key, wanted, after, signal, withTemp);
        continue;
      }
      if (stat) yield statMeta(item.key, stat);
    }
  }
}

function statMeta(path: string, stat: Stats): ObjectMeta {
  return { path, size: stat.size, lastModified: Math.floor(stat.mtimeMs), etag: etagOf(stat) };
}

function etagOf(stat: Stats): string {
  return `${stat.ino.toString(16)}-${stat.size.toString(16)}-${Math.round(stat.mtimeMs * 1000).toString(16)}`;
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function acquireLock(lock: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await fs.open(lock, "wx");
      await handle.close();
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const stat = await fs.stat(lock).catch(() => undefined);
      if (stat && Date.now() - stat.mtimeMs > STALE_LOCK_MS) await fs.rm(lock, { force: true });
      await new Promise((r) => setTimeout(r, Math.min(50, 2 + attempt)));
    }
  }
}
