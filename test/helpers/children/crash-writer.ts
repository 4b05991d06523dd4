/**
 * Child process for the crash-recovery test: writes to an existing table in a loop until the
 * parent kills it with SIGKILL. Each write is 2,000–20,000 rows of `{tag, n, payload}`; about one
 * in seven is an overwrite, the rest appends. Every row of a write carries the write's tag
 * (`<round>-<i>-<mode>-<rows>`), which is also the commit's `userMetadata`, so the parent can
 * tell exactly which rows each version must hold.
 *
 * Store calls are traced as they start and finish, so the parent can time its kill and tell
 * where the child died. Lines on stdout (JSON), written synchronously:
 * - `{"event":"ready","version"}` once the table is open;
 * - `{"event":"data-start"|"data-end","path"}` around each data-file upload (`putStream`);
 * - `{"event":"commit-start"|"commit-end","path"}` around each create of a commit file;
 * - `{"event":"committed","version","tag"}` after each write returns.
 */
import { randomBytes } from "node:crypto";
import { writeSync } from "node:fs";
import { openStore } from "../../../src/storage/open-store.js";
import type { StorageOptions } from "../../../src/storage/options.js";
import type {
  CallOptions,
  GetOptions,
  ListOptions,
  ObjectMeta,
  ObjectStore,
  PutOptions,
  PutResult,
  PutStreamOptions,
} from "../../../src/storage/store.js";
import { DeltaTable } from "../../../src/table/delta-table.js";
import { childInput } from "../run-child.js";

interface Input {
  url: string;
  options: StorageOptions;
  /** Names this child's writes. */
  round: string;
  /** Stop after this many writes (a guard: the parent normally kills the child long before). */
  maxWrites: number;
}

const { url, options, round, maxWrites } = childInput<Input>();

/** One JSON line on stdout, written synchronously so it is out before the next store call starts. */
function emit(line: Record<string, unknown>): void {
  writeSync(1, `${JSON.stringify(line)}\n`);
}

/** Passes every call through, announcing data uploads and commit creates as they start and end. */
class TracingStore implements ObjectStore {
  readonly backend: string;
  readonly rootUrl: string;
  readonly capabilities;

  constructor(private readonly inner: ObjectStore) {
    this.backend = inner.backend;
    this.rootUrl = inner.rootUrl;
    this.capabilities = inner.capabilities;
  }

  get(path: string, options?: GetOptions): Promise<Uint8Array> {
    return this.inner.get(path, options);
  }

  head(path: string, options?: CallOptions): Promise<ObjectMeta> {
    return this.inner.head(path, options);
  }

  async put(path: string, data: Uint8Array, options?: PutOptions): Promise<PutResult> {
    const isCommit = path.startsWith("_delta_log/") && options?.mode === "create";
    if (isCommit) emit({ event: "commit-start", path });
    const result = await this.inner.put(path, data, options);
    if (isCommit) emit({ event: "commit-end", path });
    return result;
  }

  async putStream(path: string, source: AsyncIterable<Uint8Array>, options?: PutStreamOptions): Promise<PutResult> {
    emit({ event: "data-start", path });
    const result = await this.inner.putStream(path, source, options);
    emit({ event: "data-end", path });
    return result;
  }

  delete(path: string, options?: CallOptions): Promise<void> {
    return this.inner.delete(path, options);
  }

  deleteMany(paths: Iterable<string> | AsyncIterable<string>, options?: CallOptions): Promise<void> {
    return this.inner.deleteMany(paths, options);
  }

  list(prefix: string, options?: ListOptions): AsyncIterable<ObjectMeta> {
    return this.inner.list(prefix, options);
  }

  close(): Promise<void> {
    return this.inner.close?.() ?? Promise.resolve();
  }
}

/** Rows of one write: poorly compressible payloads so files are tens to hundreds of KiB. */
function rowsFor(tag: string, count: number): Array<Record<string, unknown>> {
  const noise = randomBytes(count * 12).toString("base64");
  return Array.from({ length: count }, (_, n) => ({ tag, n, payload: noise.slice(n * 16, n * 16 + 16) }));
}

const store = new TracingStore(await openStore(url, options));
let table = await DeltaTable.open(url, { store });
emit({ event: "ready", version: table.version });
for (let i = 0; i < maxWrites; i++) {
  const count = 2000 + Math.floor(Math.random() * 18_001);
  const mode = Math.random() < 1 / 7 ? "overwrite" : "append";
  const tag = `${round}-${i}-${mode}-${count}`;
  table = await table.refresh();
  const result = await table.write(rowsFor(tag, count), { mode, userMetadata: tag });
  emit({ event: "committed", version: result.version, tag });
}
await store.close();
