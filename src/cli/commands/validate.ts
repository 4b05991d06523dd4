/**
 * `validate`: checks that a table is whole — the protocol is one lakelog supports, the log has no
 * gaps a reader would fall into, and every active data file exists with the size the log records.
 * Exit status 5 when anything is wrong.
 */
import type { AddFile, DeltaTable, ObjectStore } from "../../index.js";
import type { CliContext } from "../context.js";
import { EXIT } from "../exit.js";
import { progressBar } from "../progress.js";
import type { TimeTravelFlags } from "../flags.js";
import { humanCount, plural } from "../style.js";
import { listLog, missingVersions } from "./log-files.js";
import { openTable, printJson } from "./open.js";

/** The outcome of one check. */
export interface CheckResult {
  ok: boolean;
  problems: string[];
  warnings: string[];
}

interface FilesResult extends CheckResult {
  checked: number;
  missing: string[];
  wrongSize: Array<{ path: string; recorded: number; actual: number }>;
  outsideTable: number;
}

const HEAD_CONCURRENCY = 16;
/** Problems listed in full; the rest are counted. */
const LISTED = 50;

async function checkProtocol(table: DeltaTable): Promise<CheckResult> {
  const { SUPPORTED_READER_FEATURES, SUPPORTED_WRITER_FEATURES } = await import("../../index.js");
  const p = table.protocol;
  const problems: string[] = [];
  const warnings: string[] = [];
  const reader = new Set<string>(SUPPORTED_READER_FEATURES);
  const writer = new Set<string>(SUPPORTED_WRITER_FEATURES);
  if (p.minReaderVersion > 3) problems.push(`reader version ${p.minReaderVersion} is newer than lakelog knows (3)`);
  for (const f of p.readerFeatures ?? []) if (!reader.has(f)) problems.push(`reader feature ${f} is not supported`);
  if (p.minWriterVersion > 7) warnings.push(`writer version ${p.minWriterVersion} is newer than lakelog knows (7): read-only for lakelog`);
  for (const f of p.writerFeatures ?? [])
    if (!writer.has(f)) warnings.push(`writer feature ${f} is not supported: lakelog can read but not write this table`);
  return { ok: problems.length === 0, problems, warnings };
}

async function checkLog(table: DeltaTable, ctx: CliContext): Promise<CheckResult & { commits: number }> {
  const log = await listLog(table.store, ctx.signal);
  const missing = missingVersions(log, table.version);
  const problems = missing.map((v) => `commit ${v} is missing (_delta_log/${String(v).padStart(20, "0")}.json)`);
  return { ok: problems.length === 0, problems, warnings: [], commits: log.commits.length };
}

/** The store key of an add's path, or undefined when the file lies outside the table. */
function storeKey(path: string, rootUrl: string): string | undefined {
  const hasScheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(path);
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // a malformed escape: use the path as written
  }
  if (!hasScheme && !path.startsWith("/")) return decoded;
  const root = `${rootUrl.replace(/\/+$/, "")}/`;
  const absolute = hasScheme ? decoded.replace(/^file:\/*/, "file:///") : `file://${decoded}`;
  return absolute.startsWith(root) ? absolute.slice(root.length) : undefined;
}

async function checkFiles(table: DeltaTable, ctx: CliContext): Promise<FilesResult> {
  const adds: AddFile[] = [...table.addActions()];
  const result: FilesResult = { ok: true, problems: [], warnings: [], checked: 0, missing: [], wrongSize: [], outsideTable: 0 };
  const progress = progressBar(ctx, "files");
  let next = 0;
  const worker = async (store: ObjectStore): Promise<void> => {
    while (next < adds.length) {
      const add = adds[next++]!;
      const key = storeKey(add.path, store.rootUrl);
      if (key === undefined) {
        result.outsideTable++;
        continue;
      }
      try {
        const meta = await store.head(key, { signal: ctx.signal });
        if (meta.size !== add.size) result.wrongSize.push({ path: add.path, recorded: add.size, actual: meta.size });
      } catch (err) {
        if ((err as { code?: unknown }).code !== "NOT_FOUND") throw err;
        result.missing.push(add.path);
      }
      result.checked++;
      progress.update(result.checked, adds.length);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(HEAD_CONCURRENCY, adds.length) }, () => worker(table.store)));
  } finally {
    progress.finish();
  }
  for (const path of result.missing.slice(0, LISTED)) result.problems.push(`missing: ${path}`);
  for (const w of result.wrongSize.slice(0, LISTED))
    result.problems.push(`size differs: ${w.path} (log says ${w.recorded} bytes, storage has ${w.actual})`);
  const unlisted = result.missing.length + result.wrongSize.length - result.problems.length;
  if (unlisted > 0) result.problems.push(`…and ${humanCount(unlisted)} more`);
  if (result.outsideTable > 0) result.warnings.push(`${plural(result.outsideTable, "file")} outside the table folder not checked`);
  result.ok = result.missing.length === 0 && result.wrongSize.length === 0;
  return result;
}

/** `lakelog validate`. */
export async function runValidate(url: string, flags: TimeTravelFlags & { json?: boolean }, ctx: CliContext): Promise<number> {
  const table = await openTable(url, flags, ctx);
  const protocol = await checkProtocol(table);
  const log = await checkLog(table, ctx);
  const files = await checkFiles(table, ctx);
  const ok = protocol.ok && log.ok && files.ok;
  if (flags.json) {
    await printJson(ctx, { url: table.url, version: table.version, ok, checks: { protocol, log, files } });
    return ok ? EXIT.ok : EXIT.checkFailed;
  }
  const s = ctx.style;
  const mark = (c: CheckResult): string => (c.ok ? s.green("ok  ") : s.red("FAIL"));
  await ctx.print(`${mark(protocol)}  protocol: reader ${table.protocol.minReaderVersion}, writer ${table.protocol.minWriterVersion}`);
  await ctx.print(
    `${mark(log)}  log: ${plural(log.commits, "commit file")}, contiguous up to version ${table.version}${log.ok ? "" : " — NOT"}`,
  );
  await ctx.print(
    `${mark(files)}  data files: ${humanCount(files.checked)} checked, ${humanCount(files.missing.length)} missing, ${humanCount(files.wrongSize.length)} with another size`,
  );
  for (const c of [protocol, log, files]) {
    for (const p of c.problems) await ctx.print(`      ${s.red(p)}`);
    for (const w of c.warnings) await ctx.print(`      ${s.yellow(w)}`);
  }
  await ctx.print(ok ? s.green(`valid: version ${table.version} of ${table.url}`) : s.red("problems found"));
  return ok ? EXIT.ok : EXIT.checkFailed;
}
