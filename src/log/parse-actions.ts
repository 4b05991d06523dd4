/**
 * Parsing newline-delimited JSON log files (commits, JSON checkpoints) into actions, with
 * validation that names the file and line of anything malformed.
 */
import { Buffer, isAscii } from "node:buffer";
import { CorruptLogError } from "../errors/log-errors.js";
import type { Action, AddFile, CommitInfo, Metadata, Protocol, RemoveFile } from "./actions.js";

/** The first chunk of a file: a leading byte-order mark is dropped, as a whole-file decode does. */
const firstChunkDecoder = new TextDecoder("utf-8", { fatal: true });
/**
 * Later chunks start mid-file, where a whole-file decode keeps a byte-order mark (and
 * `JSON.parse` then refuses its line).
 */
const laterChunkDecoder = new TextDecoder("utf-8", { ignoreBOM: true, fatal: true });

/**
 * Bytes decoded at once (whole lines, about this many). Below V8's large-object size, a chunk's
 * string is an ordinary young object in memory already touched, not freshly mapped pages: measured
 * here, 64 KiB chunks beat 1 MiB ones by about 5% of a whole open.
 */
const CHUNK_BYTES = 1 << 16;
const NEWLINE = 0x0a;

/**
 * Calls `visit` for each action in a JSON log file, in file order. Blank lines are skipped;
 * unknown action kinds are ignored (as the protocol asks). Throws {@link CorruptLogError} for a
 * line that is not JSON or an action missing required fields.
 *
 * The file is decoded in chunks of whole lines (~64 KiB), so a large commit never becomes one
 * string held while its lines are replayed. A newline byte never occurs inside a UTF-8 sequence,
 * so decoding chunk by chunk gives exactly the text of decoding the file at once.
 */
export function forEachAction(bytes: Uint8Array, file: string, visit: (action: Action, line: number) => void): void {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let line = 0;
  for (let from = 0; from < view.length;) {
    const newline = from + CHUNK_BYTES < view.length ? view.indexOf(NEWLINE, from + CHUNK_BYTES) : -1;
    const to = newline < 0 ? view.length : newline + 1;
    line = forEachLine(decodeChunk(view, from, to, file), file, line, visit);
    from = to;
  }
}

/**
 * The text of `view[from, to)`. Pure ASCII (the usual log) is copied as Latin-1, the same text
 * for a fraction of the cost of UTF-8 decoding.
 */
function decodeChunk(view: Buffer, from: number, to: number, file: string): string {
  const chunk = view.subarray(from, to);
  if (isAscii(chunk)) return view.toString("latin1", from, to);
  try {
    return (from === 0 ? firstChunkDecoder : laterChunkDecoder).decode(chunk);
  } catch (cause) {
    // a log file is UTF-8 (protocol): invalid bytes are corruption, never silently replaced
    throw new CorruptLogError(file, undefined, `not valid UTF-8 in bytes ${from}..${to} (restore the file from a copy)`, { cause });
  }
}

/** Parses the lines of `text`, numbered after `line`; returns the last line number used. */
function forEachLine(text: string, file: string, line: number, visit: (action: Action, line: number) => void): number {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    line++;
    if (end === start) {
      start = end + 1;
      continue;
    }
    const raw = text.slice(start, end);
    start = end + 1;
    if (raw.charCodeAt(0) <= 32 && raw.trim() === "") continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (cause) {
      throw new CorruptLogError(file, line, `not valid JSON (${(cause as Error).message})`, { cause });
    }
    const action = validateAction(parsed, file, line);
    if (action) visit(action, line);
  }
  return line;
}

/**
 * As {@link forEachAction} for a commit file (`NNN.json`), with the rules the protocol sets for a
 * single commit: it holds at least one action, at most one `metaData` and at most one `protocol`.
 * A violation throws {@link CorruptLogError} naming the file (and the line of the second action).
 */
export function forEachCommitAction(bytes: Uint8Array, file: string, visit: (action: Action, line: number) => void): void {
  let lines = 0;
  const firstLine: { metaData?: number; protocol?: number } = {};
  forEachAction(bytes, file, (action, line) => {
    lines++;
    const kind = "metaData" in action ? "metaData" : "protocol" in action ? "protocol" : undefined;
    if (kind) {
      const first = firstLine[kind];
      if (first !== undefined)
        throw new CorruptLogError(file, line, `a second ${kind} action (the first is on line ${first}; a commit holds at most one)`);
      firstLine[kind] = line;
    }
    visit(action, line);
  });
  if (lines === 0 && !hasActionLine(bytes))
    throw new CorruptLogError(file, undefined, "the commit file holds no actions (a commit needs at least one)");
}

/** True when some line is not blank (a line of unknown actions still makes the commit non-empty). */
function hasActionLine(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return true;
  return false;
}

/** All actions of a commit file, in order, checked as {@link forEachCommitAction} does. */
export function parseCommitActions(bytes: Uint8Array, file: string): Action[] {
  const out: Action[] = [];
  forEachCommitAction(bytes, file, (a) => out.push(a));
  return out;
}

/** Thrown from a visit to end {@link forEachAction} once {@link readCommitInfo} has its answer. */
const FOUND = new Error("commitInfo found");

/**
 * The `commitInfo` of a commit file, or undefined when it has none. Writers put it on the first
 * line, so only the lines up to it are parsed (the first ~64 KiB of the file decoded), not the
 * whole commit; a malformed line before it throws as in {@link forEachAction}.
 */
export function readCommitInfo(bytes: Uint8Array, file: string): CommitInfo | undefined {
  let info: CommitInfo | undefined;
  try {
    forEachAction(bytes, file, (action) => {
      if (!("commitInfo" in action)) return;
      info = action.commitInfo;
      throw FOUND;
    });
  } catch (err) {
    if (err !== FOUND) throw err;
  }
  return info;
}

/** All actions of a JSON log file, in order. */
export function parseActions(bytes: Uint8Array, file: string): Action[] {
  const out: Action[] = [];
  forEachAction(bytes, file, (a) => out.push(a));
  return out;
}

/**
 * Checks the fields replay depends on and fills protocol-defined defaults; returns undefined for
 * an unknown action kind.
 */
export function validateAction(parsed: unknown, file: string, line: number | undefined): Action | undefined {
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new CorruptLogError(file, line, "an action must be a JSON object");
  }
  const obj = parsed as Record<string, unknown>;
  const fail = (detail: string): never => {
    throw new CorruptLogError(file, line, detail);
  };
  // the parsed object already has the action's shape: validate in place, allocate nothing
  if (obj.add !== undefined) return checkAdd(obj.add, fail) && (obj as { add: AddFile });
  if (obj.remove !== undefined) return checkRemove(obj.remove, fail) && (obj as { remove: RemoveFile });
  if (obj.metaData !== undefined) return checkMetadata(obj.metaData, fail) && (obj as { metaData: Metadata });
  if (obj.protocol !== undefined) return checkProtocol(obj.protocol, fail) && (obj as { protocol: Protocol });
  if (obj.commitInfo !== undefined) {
    if (!isObject(obj.commitInfo)) fail("commitInfo must be an object");
    return { commitInfo: obj.commitInfo as Record<string, unknown> };
  }
  if (obj.txn !== undefined) {
    const txn = obj.txn as Record<string, unknown>;
    if (!isObject(txn) || typeof txn.appId !== "string" || typeof txn.version !== "number") fail("txn needs appId and version");
    return { txn: txn as never };
  }
  if (obj.domainMetadata !== undefined) {
    const d = obj.domainMetadata as Record<string, unknown>;
    if (!isObject(d) || typeof d.domain !== "string") fail("domainMetadata needs a domain");
    return { domainMetadata: { domain: d.domain as string, configuration: String(d.configuration ?? ""), removed: d.removed === true } };
  }
  if (obj.cdc !== undefined) {
    const c = obj.cdc as Record<string, unknown>;
    if (!isObject(c) || typeof c.path !== "string") fail("cdc needs a path");
    return { cdc: { ...(c as object), partitionValues: (c.partitionValues ?? {}) as Record<string, string | null> } as never };
  }
  if (obj.checkpointMetadata !== undefined) return { checkpointMetadata: obj.checkpointMetadata as never };
  if (obj.sidecar !== undefined) {
    const s = obj.sidecar as Record<string, unknown>;
    if (!isObject(s) || typeof s.path !== "string") fail("sidecar needs a path");
    return { sidecar: s as never };
  }
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkAdd(value: unknown, fail: (d: string) => never): AddFile {
  if (!isObject(value)) fail("add must be an object");
  const add = value as Record<string, unknown>;
  if (typeof add.path !== "string" || add.path === "") fail("add needs a non-empty path");
  if (typeof add.size !== "number") fail(`add ${add.path} needs a numeric size`);
  if (add.partitionValues === undefined || add.partitionValues === null) add.partitionValues = {};
  else if (!isObject(add.partitionValues)) fail(`add ${add.path} has non-object partitionValues`);
  if (typeof add.modificationTime !== "number") add.modificationTime = 0;
  if (typeof add.dataChange !== "boolean") add.dataChange = true;
  return add as unknown as AddFile;
}

function checkRemove(value: unknown, fail: (d: string) => never): RemoveFile {
  if (!isObject(value)) fail("remove must be an object");
  const remove = value as Record<string, unknown>;
  if (typeof remove.path !== "string" || remove.path === "") fail("remove needs a non-empty path");
  if (typeof remove.dataChange !== "boolean") remove.dataChange = true;
  return remove as unknown as RemoveFile;
}

function checkMetadata(value: unknown, fail: (d: string) => never): Metadata {
  if (!isObject(value)) fail("metaData must be an object");
  const m = value as Record<string, unknown>;
  if (typeof m.id !== "string") fail("metaData needs an id");
  if (m.partitionColumns === undefined || m.partitionColumns === null) m.partitionColumns = [];
  if (!Array.isArray(m.partitionColumns)) fail("metaData.partitionColumns must be an array");
  if (m.configuration === undefined || m.configuration === null) m.configuration = {};
  if (!isObject(m.configuration)) fail("metaData.configuration must be an object");
  if (m.format === undefined || m.format === null) m.format = { provider: "parquet", options: {} };
  if (m.schemaString !== undefined && typeof m.schemaString !== "string") fail("metaData.schemaString must be a string");
  return m as unknown as Metadata;
}

function checkProtocol(value: unknown, fail: (d: string) => never): Protocol {
  if (!isObject(value)) fail("protocol must be an object");
  const p = value as Record<string, unknown>;
  if (!Number.isInteger(p.minReaderVersion) || !Number.isInteger(p.minWriterVersion)) {
    fail("protocol needs integer minReaderVersion and minWriterVersion");
  }
  for (const key of ["readerFeatures", "writerFeatures"]) {
    if (p[key] !== undefined && p[key] !== null && !Array.isArray(p[key])) fail(`protocol.${key} must be an array`);
  }
  return p as unknown as Protocol;
}
