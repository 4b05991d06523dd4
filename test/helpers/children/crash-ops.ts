/**
 * Child process for the crash-rounds test: runs lakelog's write paths on an existing table in a
 * loop until the parent kills it with SIGKILL. Each cycle starts with an append, then the round's
 * focus operation, then the other operations in random order: overwrite, replaceWhere (one of
 * four `part` values), delete, update, merge (an upsert), optimize, checkpoint, vacuum (apply,
 * retention 0) and restore (to a random earlier version whose files vacuum has not yet removed,
 * i.e. one after the last overwrite).
 *
 * Rows are `{tag, part, n}`; every row of a write carries the write's tag, and each commit's
 * `userMetadata` says what it did, so the parent can model every version's content:
 * `append:<tag>:<rows>`, `overwrite:<tag>:<rows>` and `replace:<part>:<tag>:<rows>`; a delete is
 * known by the predicate its commit records (`tag = '<tag>' AND n >= <kept>`), an update too
 * (`... AND tag <> '<new tag>'`: it moves those rows to the new tag, renumbered from 0), and a merge
 * by its `on` condition (`... source.tag = '<tag>' AND source.n < <end>`: the tag then holds
 * max(count, end) rows). Tags are `p<part>-<round>-<i>`, plus `~u<round>-<i>` suffixes from updates.
 *
 * Lines on stdout (JSON), written synchronously: `{"event":"ready","version"}`, then
 * `{"event":"op-start","op"}` and `{"event":"op-end","op","version"}` around each operation.
 */
import { writeSync } from "node:fs";
import type { StorageOptions } from "../../../src/storage/options.js";
import { DeltaTable } from "../../../src/table/delta-table.js";
import { childInput } from "../run-child.js";

interface Input {
  url: string;
  options: StorageOptions;
  round: string;
  /** The operation done right after each cycle's first append. */
  focus: string;
  maxCycles: number;
  /** Versions before this may have lost files to a vacuum: restore never targets them. */
  restorableFrom: number;
}

const input = childInput<Input>();
const { url, options, round, focus, maxCycles } = input;

function emit(line: Record<string, unknown>): void {
  writeSync(1, `${JSON.stringify(line)}\n`);
}

const rand = (n: number) => Math.floor(Math.random() * n);
let counter = 0;

function rowsFor(tag: string, part: number, count: number): Array<Record<string, unknown>> {
  return Array.from({ length: count }, (_, n) => ({ tag, part, n }));
}

function nextTag(part: number): string {
  return `p${part}-${round}-${counter++}`;
}

/** The first version still restorable: vacuum may have removed files of versions before the last overwrite. */
let restorableFrom = input.restorableFrom;

/** A random tag of the table's rows and its row count (undefined when the table is empty). */
async function pickTag(t: DeltaTable): Promise<{ tag: string; count: number } | undefined> {
  const tags = (await t.toArrow({ columns: ["tag"] })).getChild("tag")!.toArray() as string[];
  if (tags.length === 0) return undefined;
  const tag = tags[rand(tags.length)]!;
  return { tag, count: tags.filter((x) => x === tag).length };
}

const OPS: Record<string, (table: DeltaTable) => Promise<unknown>> = {
  append: (t) => {
    const part = rand(4);
    const tag = nextTag(part);
    const rows = 50 + rand(400);
    return t.write(rowsFor(tag, part, rows), { userMetadata: `append:${tag}:${rows}` });
  },
  overwrite: async (t) => {
    const part = rand(4);
    const tag = nextTag(part);
    const rows = 100 + rand(400);
    const result = await t.write(rowsFor(tag, part, rows), { mode: "overwrite", userMetadata: `overwrite:${tag}:${rows}` });
    restorableFrom = result.version;
    return result;
  },
  replaceWhere: (t) => {
    const part = rand(4);
    const tag = nextTag(part);
    const rows = 50 + rand(300);
    return t.write(rowsFor(tag, part, rows), {
      mode: "overwrite",
      replaceWhere: `part = ${part}`,
      userMetadata: `replace:${part}:${tag}:${rows}`,
    });
  },
  delete: async (t) => {
    const tags = (await t.toArrow({ columns: ["tag"] })).getChild("tag")!.toArray() as string[];
    if (tags.length === 0) return undefined;
    const tag = tags[rand(tags.length)]!;
    const kept = rand(40);
    return t.delete(`tag = '${tag}' AND n >= ${kept}`);
  },
  update: async (t) => {
    // moves a tag's rows n >= k to a new tag with n - k: both tags keep n = 0..count-1; the new
    // tag is named in the predicate (a term always true) so the parent can model the commit
    const picked = await pickTag(t);
    if (!picked) return undefined;
    const k = rand(picked.count + 1);
    const moved = `${picked.tag}~u${round}-${counter++}`;
    return t.update({ where: `tag = '${picked.tag}' AND n >= ${k} AND tag <> '${moved}'`, set: { tag: `'${moved}'`, n: `n - ${k}` } });
  },
  merge: async (t) => {
    // an upsert of n = k..end-1 of a tag: the rows it has are updated (to the same values), the rest inserted
    const picked = await pickTag(t);
    if (!picked) return undefined;
    const k = rand(picked.count + 1);
    const end = k + 1 + rand(60);
    const part = Number(/^p(\d+)-/.exec(picked.tag)?.[1] ?? 0);
    const source = Array.from({ length: end - k }, (_, i) => ({ tag: picked.tag, part, n: k + i }));
    return t
      .merge(source, { on: `target.tag = source.tag AND target.n = source.n AND source.tag = '${picked.tag}' AND source.n < ${end}` })
      .whenMatchedUpdateAll()
      .whenNotMatchedInsertAll()
      .execute();
  },
  optimize: (t) => t.optimize(),
  checkpoint: (t) => t.checkpoint(),
  vacuum: async (t) => {
    const result = await t.vacuum({ retentionHours: 0, enforceRetention: false, dryRun: false });
    restorableFrom = (await t.refresh()).version;
    return result;
  },
  restore: (t) =>
    t.version > restorableFrom ? t.restore({ version: restorableFrom + rand(t.version - restorableFrom) }) : Promise.resolve(undefined),
};

let table = await DeltaTable.open(url, { storage: options });
emit({ event: "ready", version: table.version });
const others = Object.keys(OPS).filter((op) => op !== "append" && op !== focus);
for (let cycle = 0; cycle < maxCycles; cycle++) {
  const order = ["append", focus, ...others.sort(() => Math.random() - 0.5)];
  for (const op of order) {
    table = await table.refresh();
    emit({ event: "op-start", op });
    await OPS[op]!(table);
    table = await table.refresh();
    emit({ event: "op-end", op, version: table.version });
  }
}
