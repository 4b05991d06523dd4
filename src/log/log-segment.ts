/**
 * Finding the files that reconstruct one version: the newest complete checkpoint at or below it,
 * then every commit after that checkpoint, contiguous, up to the version.
 */
import { MissingLogVersionsError, VersionNotFoundError } from "../errors/log-errors.js";
import { NotFoundError } from "../errors/storage-errors.js";
import type { ObjectStore } from "../storage/store.js";
import { LOG_DIR, padVersion, parseLogFile, type LogFile } from "./log-files.js";

export type CommitFile = Extract<LogFile, { kind: "commit" }>;
export type CheckpointFile = Extract<LogFile, { kind: "checkpoint" }>;

/** The files that reconstruct `version`. */
export interface LogSegment {
  version: number;
  /** The checkpoint replay starts from (all parts of it), if any. */
  checkpoint?: { version: number; files: CheckpointFile[] };
  /** Commits after the checkpoint up to `version`, ascending and contiguous. */
  commits: CommitFile[];
  /** The commit file of `version` itself when it was listed (also when it is the checkpoint's version). */
  latestCommit?: CommitFile;
}

/** Contents of `_last_checkpoint`, as far as lakelog uses them. */
export interface LastCheckpointHint {
  version: number;
  size?: number;
  parts?: number;
}

/** Options for {@link buildLogSegment}. */
export interface LogSegmentOptions {
  /** The version to reconstruct; the latest when omitted. */
  version?: number;
  /** For messages. */
  tableUrl: string;
  /**
   * Every log file from version 0, when the caller listed the log already (time travel by
   * timestamp): used instead of reading `_last_checkpoint` and listing again.
   */
  listing?: readonly LogFile[];
  signal?: AbortSignal;
}

/**
 * Lists the log and picks the files for the requested version; undefined when the log holds no
 * commit and no checkpoint at all (there is no table). I/O: one `get` of `_last_checkpoint` and
 * one listing from the hinted checkpoint on (a second listing from version 0 only when the hint
 * is stale or time travel goes behind it); none with `options.listing`. Throws
 * {@link VersionNotFoundError} or {@link MissingLogVersionsError} when the version cannot be
 * reconstructed.
 */
export async function buildLogSegment(store: ObjectStore, options: LogSegmentOptions): Promise<LogSegment | undefined> {
  if (options.listing) return selectSegment(options.listing, options, false);
  const hint = await readLastCheckpoint(store, options.signal);
  const from = hint && (options.version === undefined || hint.version <= options.version) ? hint.version : 0;
  const files = await listLogFiles(store, from, options.signal);
  if (from === 0) return selectSegment(files, options, false);
  return selectSegment(files, options, true) ?? selectSegment(await listLogFiles(store, 0, options.signal), options, false);
}

/** Reads `_last_checkpoint`; a missing or unreadable hint is ignored (it is only a hint). */
export async function readLastCheckpoint(store: ObjectStore, signal?: AbortSignal): Promise<LastCheckpointHint | undefined> {
  try {
    const bytes = await store.get(`${LOG_DIR}/_last_checkpoint`, { signal });
    const json = (JSON.parse(new TextDecoder().decode(bytes)) ?? {}) as Partial<LastCheckpointHint>; // `null` is valid JSON
    if (typeof json.version !== "number" || !Number.isSafeInteger(json.version) || json.version < 0) return undefined;
    return { version: json.version, size: json.size, parts: json.parts };
  } catch (err) {
    if (err instanceof NotFoundError || err instanceof SyntaxError) return undefined;
    throw err;
  }
}

/** Every log file with version >= `from`, parsed, in listing (version) order. */
export async function listLogFiles(store: ObjectStore, from: number, signal?: AbortSignal): Promise<LogFile[]> {
  const startAfter = from > 0 ? `${LOG_DIR}/${padVersion(from - 1)}.~` : undefined;
  const out: LogFile[] = [];
  for await (const meta of store.list(`${LOG_DIR}/`, { startAfter, signal })) {
    const file = parseLogFile(meta);
    if (file && file.version >= from) out.push(file);
  }
  return out;
}

/**
 * Picks checkpoint and commits for the target version from a listing; undefined when the listing
 * holds no log file. With `fromHint`, also returns undefined instead of failing when the listing
 * (which starts at the hinted checkpoint) cannot serve the request, so the caller can list from
 * version 0.
 */
function selectSegment(files: readonly LogFile[], options: LogSegmentOptions, fromHint: boolean): LogSegment | undefined {
  const commits = new Map<number, CommitFile>();
  const checkpoints = completeCheckpoints(files);
  for (const f of files) if (f.kind === "commit") commits.set(f.version, f);
  const latest = Math.max(maxOf(commits.keys()), maxOf(checkpoints.keys()));
  if (latest < 0) return undefined;
  const target = options.version ?? latest;
  const usable = [...checkpoints.keys()].filter((v) => v <= target).sort((a, b) => b - a);
  const cpVersion = usable[0];
  if (fromHint && cpVersion === undefined) return undefined;
  const earliest = earliestReadable(commits, checkpoints);
  if (target > latest || target < earliest) {
    if (fromHint) return undefined;
    throw new VersionNotFoundError(options.tableUrl, target, earliest, latest);
  }
  const start = cpVersion === undefined ? 0 : cpVersion + 1;
  const segmentCommits: CommitFile[] = [];
  const missing: number[] = [];
  for (let v = start; v <= target; v++) {
    const commit = commits.get(v);
    if (commit) segmentCommits.push(commit);
    else missing.push(v);
  }
  if (missing.length > 0) {
    if (fromHint) return undefined;
    throw new MissingLogVersionsError(options.tableUrl, missing, `cannot reconstruct version ${target}`);
  }
  const checkpoint = cpVersion === undefined ? undefined : { version: cpVersion, files: checkpoints.get(cpVersion)! };
  return { version: target, checkpoint, commits: segmentCommits, latestCommit: commits.get(target) };
}

/**
 * The commit files of the versions that can be reconstructed from `files` (a listing from version
 * 0), ascending: commits older than the oldest checkpoint are left out once log cleanup removed
 * commit 0. Pure.
 */
export function readableCommits(files: readonly LogFile[]): CommitFile[] {
  const commits = new Map<number, CommitFile>();
  for (const f of files) if (f.kind === "commit") commits.set(f.version, f);
  const earliest = earliestReadable(commits, completeCheckpoints(files));
  return [...commits.values()].filter((c) => c.version >= earliest).sort((a, b) => a.version - b.version);
}

/** The earliest version that can be reconstructed: 0 when commit 0 is present, else the oldest checkpoint. */
function earliestReadable(commits: Map<number, CommitFile>, checkpoints: Map<number, CheckpointFile[]>): number {
  if (commits.has(0)) return 0;
  if (checkpoints.size > 0) return minOf(checkpoints.keys());
  return minOf(commits.keys());
}

function maxOf(values: Iterable<number>): number {
  let max = -1;
  for (const v of values) if (v > max) max = v;
  return max;
}

function minOf(values: Iterable<number>): number {
  let min = Infinity;
  for (const v of values) if (v < min) min = v;
  return min;
}

/**
 * The complete checkpoints among `files`, by version: for each version the files to read (a v2
 * file, a classic file, or every part of a multi-part set); versions with only an incomplete
 * multi-part set are left out. Other kinds of log file are ignored. Pure.
 */
export function completeCheckpoints(files: readonly LogFile[]): Map<number, CheckpointFile[]> {
  const byVersion = new Map<number, CheckpointFile[]>();
  for (const f of files) {
    if (f.kind !== "checkpoint") continue;
    const list = byVersion.get(f.version) ?? [];
    list.push(f);
    byVersion.set(f.version, list);
  }
  const complete = new Map<number, CheckpointFile[]>();
  for (const [version, list] of byVersion) {
    const chosen = chooseCheckpoint(list);
    if (chosen) complete.set(version, chosen);
  }
  return complete;
}

/** Of the checkpoint files of one version, the set to read: a v2 file, a classic file, or a full multi-part set. */
function chooseCheckpoint(list: CheckpointFile[]): CheckpointFile[] | undefined {
  const v2 = list.find((f) => f.format === "v2");
  if (v2) return [v2];
  const classic = list.find((f) => f.format === "classic");
  if (classic) return [classic];
  const byParts = new Map<number, Map<number, CheckpointFile>>();
  for (const f of list) {
    if (f.format !== "multipart" || !f.parts) continue;
    const parts = byParts.get(f.parts) ?? new Map<number, CheckpointFile>();
    parts.set(f.part!, f);
    byParts.set(f.parts, parts);
  }
  for (const [count, parts] of byParts) {
    if (parts.size === count) return [...parts.values()].sort((a, b) => a.part! - b.part!);
  }
  return undefined;
}
