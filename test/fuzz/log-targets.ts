/**
 * Fuzz targets over the JSON log: a two-commit log (built with the log builder) has one commit
 * corrupted — truncated, a known field given a wrong JSON type or a huge number, invalid UTF-8
 * bytes spliced in, a line duplicated, a conflicting action or a garbage line added, a bit
 * flipped — and `loadSnapshot` must either refuse typed or read exactly what an independent
 * replay of the (still valid) corrupted log says.
 */
import fc from "fast-check";
import { createEngine } from "../../src/engine/index.js";
import type { Action } from "../../src/log/actions.js";
import { deletionVectorId } from "../../src/log/file-index.js";
import { commitPath } from "../../src/log/log-files.js";
import { parseCommitActions } from "../../src/log/parse-actions.js";
import { loadSnapshot } from "../../src/log/snapshot.js";
import { MemoryStore } from "../../src/storage/memory-store.js";
import { add, metaData, protocol, remove } from "../helpers/log-builder.js";
import { FuzzViolation, judge, type Outcome } from "./fuzz-core.js";

const stats = JSON.stringify({ numRecords: 3, minValues: { id: 1 }, maxValues: { id: 9 }, nullCount: { id: 0 } });

/** The uncorrupted log: version 0 creates a table with two files, version 1 replaces one. */
export const BASE_COMMITS: Action[][] = [
  [protocol(), metaData(), add("a.parquet", { stats }), add("b.parquet"), { commitInfo: { timestamp: 1, operation: "WRITE" } }],
  [
    remove("a.parquet"),
    add("c.parquet", { stats, tags: { k: "v" } }),
    add("part%3D1/d.parquet", { partitionValues: {} }),
    { txn: { appId: "app", version: 3, lastUpdated: 5 } },
    { commitInfo: { timestamp: 2, operation: "WRITE" } },
  ] as Action[],
];

const FIELDS: Record<string, string[]> = {
  add: ["path", "size", "modificationTime", "dataChange", "partitionValues", "stats", "tags", "deletionVector", "baseRowId"],
  remove: ["path", "deletionTimestamp", "dataChange", "size", "extendedFileMetadata", "deletionVector"],
  metaData: ["id", "schemaString", "partitionColumns", "configuration", "format", "createdTime", "name"],
  protocol: ["minReaderVersion", "minWriterVersion", "readerFeatures", "writerFeatures"],
  commitInfo: ["timestamp", "operation", "inCommitTimestamp", "operationParameters"],
  txn: ["appId", "version", "lastUpdated"],
};

const HUGE = [
  "1e400",
  "-1e400",
  "123456789012345678901234567890",
  "9007199254740993",
  "-1",
  "1.5",
  "-0",
  "1e-400",
  "NaN",
  "0x10",
  "Infinity",
];

/** One way to corrupt a commit file. Offsets and line numbers are taken modulo the file's size. */
export type LogMutation =
  | { kind: "truncate"; at: number }
  | { kind: "wrongType"; line: number; field: number; value: unknown }
  | { kind: "hugeNumber"; line: number; field: number; text: string }
  | { kind: "invalidUtf8"; at: number; bytes: number[] }
  | { kind: "duplicate"; line: number }
  | { kind: "conflict"; action: Action }
  | { kind: "garbage"; line: number; text: string }
  | { kind: "bitflip"; at: number; bit: number };

const jsonValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 3 })), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.constant(null)), { maxKeys: 2 }),
  fc.constantFrom(-1, 1.5, 2 ** 60, "", "{}", "[]"),
);

const conflicting: fc.Arbitrary<Action> = fc.constantFrom<Action>(
  metaData({ id: "other" }),
  protocol(3, 7),
  protocol(1, 2),
  remove("b.parquet"),
  remove("c.parquet"),
  add("b.parquet", { size: 5 }),
  add("c.parquet", { size: 7 }),
  { txn: { appId: "app", version: 1 } } as Action,
  {
    metaData: { id: "x", format: { provider: "parquet", options: {} }, schemaString: "not json", partitionColumns: [], configuration: {} },
  } as Action,
  {
    metaData: {
      id: "y",
      format: { provider: "parquet", options: {} },
      schemaString: '{"type":"struct","fields":[]}',
      partitionColumns: ["nope"],
      configuration: {},
    },
  } as Action,
);

export const logMutation: fc.Arbitrary<LogMutation> = fc.oneof(
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("wrongType" as const), line: fc.nat(), field: fc.nat(), value: jsonValue }),
  fc.record({ kind: fc.constant("hugeNumber" as const), line: fc.nat(), field: fc.nat(), text: fc.constantFrom(...HUGE) }),
  fc.record({
    kind: fc.constant("invalidUtf8" as const),
    at: fc.nat(),
    bytes: fc.oneof<fc.Arbitrary<number[]>[]>(
      fc.constantFrom([0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xfe, 0xff]),
      fc.array(fc.integer({ min: 0x80, max: 0xff }), { minLength: 1, maxLength: 4 }),
    ),
  }),
  fc.record({ kind: fc.constant("duplicate" as const), line: fc.nat() }),
  fc.record({ kind: fc.constant("conflict" as const), action: conflicting }),
  fc.record({
    kind: fc.constant("garbage" as const),
    line: fc.nat(),
    text: fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.json({ maxDepth: 2 }),
      fc.constantFrom("{", "}", "null", "[]", '{"add":null}', '{"add":{}}', '{"remove":"x"}', '{"metaData":[]}', "\u0000", "\r"),
    ),
  }),
  fc.record({ kind: fc.constant("bitflip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
);

const encode = (s: string) => new TextEncoder().encode(s);
const linesOf = (actions: Action[]) => actions.map((a) => JSON.stringify(a));

/** The bytes of commit `actions` after `m`. */
export function corruptCommit(actions: Action[], m: LogMutation): Uint8Array {
  const lines = linesOf(actions);
  const body = (ls: string[]) => encode(ls.join("\n") + "\n");
  const whole = body(lines);
  switch (m.kind) {
    case "truncate":
      return whole.slice(0, m.at % whole.length);
    case "wrongType":
    case "hugeNumber": {
      const i = m.line % lines.length;
      const obj = JSON.parse(lines[i]!) as Record<string, Record<string, unknown>>;
      const kind = Object.keys(obj)[0]!;
      const fields = FIELDS[kind] ?? ["x"];
      const field = fields[m.field % fields.length]!;
      obj[kind]![field] = m.kind === "wrongType" ? m.value : "__HUGE__";
      const text = JSON.stringify(obj);
      lines[i] = m.kind === "wrongType" ? text : text.replace('"__HUGE__"', m.text);
      return body(lines);
    }
    case "invalidUtf8": {
      const at = m.at % (whole.length + 1);
      return Uint8Array.from([...whole.slice(0, at), ...m.bytes, ...whole.slice(at)]);
    }
    case "duplicate": {
      const i = m.line % lines.length;
      lines.splice(i, 0, lines[i]!);
      return body(lines);
    }
    case "conflict":
      return body([...lines, JSON.stringify(m.action)]);
    case "garbage":
      lines.splice(m.line % (lines.length + 1), 0, m.text);
      return body(lines);
    case "bitflip": {
      const out = whole.slice();
      out[m.at % out.length]! ^= 1 << m.bit;
      return out;
    }
  }
}

/** The active files after replaying `commits` the simple way, as sorted `path|dv` keys. */
function referenceFiles(commits: Action[][]): string[] {
  const live = new Map<string, true>();
  for (const actions of commits) {
    for (const a of actions) {
      if ("add" in a) live.set(`${a.add.path}|${deletionVectorId(a.add.deletionVector) ?? ""}`, true);
      if ("remove" in a) live.delete(`${a.remove.path}|${deletionVectorId(a.remove.deletionVector) ?? ""}`);
    }
  }
  return [...live.keys()].sort();
}

const BASE_FILES = referenceFiles(BASE_COMMITS);

/** One log case: commit `which` (0 or 1) corrupted by `mutation`. */
export interface LogCase {
  which: number;
  mutation: LogMutation;
}

export const logCase: fc.Arbitrary<LogCase> = fc.record({ which: fc.integer({ min: 0, max: 1 }), mutation: logMutation });

/**
 * Loads the corrupted log. Typed refusal is fine; a load must match the reference replay of the
 * corrupted commits, and is impossible when the parser itself refuses a commit.
 */
export async function runLogCase(c: LogCase): Promise<Outcome> {
  const bytes = BASE_COMMITS.map((actions, v) =>
    v === c.which ? corruptCommit(actions, c.mutation) : encode(linesOf(actions).join("\n") + "\n"),
  );
  return judge("log", async () => {
    const store = new MemoryStore();
    for (const [v, b] of bytes.entries()) await store.put(commitPath(v), b, { mode: "create" });
    const snapshot = await loadSnapshot(createEngine(store));
    let parsed: Action[][];
    try {
      parsed = bytes.map((b, v) => parseCommitActions(b, commitPath(v)));
    } catch (err) {
      throw new FuzzViolation("log", `loadSnapshot accepted a commit its own parser refuses (${String(err)})`);
    }
    const got: string[] = [];
    for (let i = 0; i < snapshot.files.length; i++)
      got.push(`${snapshot.files.path(i)}|${deletionVectorId(snapshot.files.deletionVector(i)) ?? ""}`);
    got.sort();
    const want = referenceFiles(parsed);
    if (snapshot.version !== 1) throw new FuzzViolation("log", `version ${snapshot.version}, expected 1`);
    if (JSON.stringify(got) !== JSON.stringify(want))
      throw new FuzzViolation("log", `files ${JSON.stringify(got)}, expected ${JSON.stringify(want)} (${JSON.stringify(c)})`);
    return JSON.stringify(got) === JSON.stringify(BASE_FILES) ? "ok-same" : "ok-changed";
  });
}
