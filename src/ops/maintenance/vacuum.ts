/**
 * VACUUM: deleting the files a table no longer needs. See spec/maintenance.md ("Vacuum") for the
 * guarantees; in short, vacuum deletes only store-relative files inside the table root, never
 * under `_delta_log/`, never a file some version within the retention window references (commits
 * made while vacuum runs included), and never a file modified within the retention window.
 */
import type { Engine } from "../../engine/index.js";
import type { Snapshot } from "../../log/snapshot.js";
import { compareKeys } from "../../storage/paths.js";
import { assertWriteSupported } from "../../txn/protocol-support.js";
import { chunked, forEachConcurrent } from "../../util/concurrency.js";
import { commitVacuumEnd, commitVacuumStart } from "./vacuum-commit.js";
import { planFull, planLite, type PlanOptions, type VacuumCandidate, type VacuumPlan } from "./vacuum-plan.js";
import { ReferencedFiles } from "./vacuum-references.js";
import { resolveRetention } from "./vacuum-retention.js";

/** Paths per `deleteMany` call (S3's DeleteObjects limit). */
const DELETE_BATCH = 1000;

/** `deleteMany` calls in flight. */
const DELETE_CONCURRENCY = 4;

/** Progress of a vacuum. */
export interface VacuumProgress {
  /** `plan`: listing / checking files; `delete`: deleting them. */
  phase: "plan" | "delete";
  /** Objects listed (full) or tombstone files checked (lite) so far. */
  examined: number;
  /** Files chosen for deletion so far (the final count once planning is over). */
  candidates: number;
  /** Files deleted so far. */
  deleted: number;
}

/** Options of {@link vacuumTable}. */
export interface VacuumOptions {
  /**
   * Keep files needed by versions committed within this many hours (fractions allowed); default
   * the table's `delta.deletedFileRetentionDuration` (one week when unset).
   */
  retentionHours?: number;
  /** Only report what would be deleted (default true). */
  dryRun?: boolean;
  /**
   * `lite` (default, as delta-rs): the files of expired `remove` tombstones. `full` (Spark's
   * default VACUUM): everything under the table root that no retained version references,
   * including orphans of failed writes and leftover `.lakelog-tmp-*` files.
   */
  mode?: "lite" | "full";
  /** Refuse a retention below the table's deletedFileRetentionDuration (default true). */
  enforceRetention?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: VacuumProgress) => void;
}

/** What a vacuum did (or, in a dry run, would do). */
export interface VacuumResult {
  dryRun: boolean;
  mode: "lite" | "full";
  /** Store-relative paths deleted, or in a dry run the ones that would be, in byte order. */
  filesDeleted: string[];
  /** Total size of those files in bytes. */
  bytes: number;
  /** The retention applied (ms) and the resulting cutoff: files older than it may go. */
  retentionMillis: number;
  minRetainedTimestamp: number;
  /** Objects listed (full) or tombstone files checked (lite). */
  filesExamined: number;
  /** Planned files left in place because a commit made during the vacuum references them. */
  filesSparedByConcurrentCommits: number;
  /** Versions of the VACUUM START and VACUUM END commits (absent in a dry run). */
  startVersion?: number;
  endVersion?: number;
  executionTimeMs: number;
}

/**
 * Vacuums the table whose latest state is `snapshot`. Checks that lakelog may write the table
 * (as Spark does, which also honours `vacuumProtocolCheck`), resolves the retention (refusing a
 * short one unless `enforceRetention: false`), finds the files to delete, and unless `dryRun`
 * commits VACUUM START, deletes in batches of 1000 with 4 batches in flight (re-reading the log
 * before each batch), and commits VACUUM END (status FAILED and the error rethrown if deleting
 * failed or was aborted).
 *
 * I/O: a listing of `_delta_log` and reads of the commits newer than the cutoff; full mode lists
 * the whole table, lite mode `head`s each expired tombstone's file; then the deletes and two
 * commits.
 */
export async function vacuumTable(engine: Engine, snapshot: Snapshot, options: VacuumOptions = {}): Promise<VacuumResult> {
  const started = engine.clock.now();
  const { signal, onProgress } = options;
  const dryRun = options.dryRun ?? true;
  const mode = options.mode ?? "lite";
  const enforce = options.enforceRetention ?? true;
  assertWriteSupported(snapshot.protocol, snapshot.metadata, snapshot.tableUrl);
  const retention = resolveRetention(snapshot.properties, snapshot.tableUrl, options.retentionHours, enforce, started);
  const refs = await ReferencedFiles.collect(engine, snapshot, retention.cutoff, signal);
  const report = (examined: number, candidates: number) => onProgress?.({ phase: "plan", examined, candidates, deleted: 0 });
  const planOptions: PlanOptions = { refs, cutoff: retention.cutoff, onProgress: report, signal };
  const plan: VacuumPlan = mode === "full" ? await planFull(engine, snapshot, planOptions) : await planLite(engine, snapshot, planOptions);
  const base = {
    dryRun,
    mode,
    retentionMillis: retention.retentionMs,
    minRetainedTimestamp: retention.cutoff,
    filesExamined: plan.examined,
  };
  if (dryRun) {
    return {
      ...base,
      filesDeleted: plan.files.map((f) => f.path),
      bytes: sum(plan.files),
      filesSparedByConcurrentCommits: 0,
      executionTimeMs: engine.clock.now() - started,
    };
  }
  const start = await commitVacuumStart(
    engine,
    snapshot,
    {
      retentionCheckEnabled: enforce,
      specifiedRetentionMillis: retention.specifiedRetentionMs,
      defaultRetentionMillis: retention.defaultRetentionMs,
      vacuumType: mode === "full" ? "FULL" : "LITE",
      numFilesToDelete: plan.files.length,
      sizeOfDataToDelete: sum(plan.files),
    },
    signal,
  );
  let outcome: { deleted: VacuumCandidate[]; spared: number };
  try {
    outcome = await deleteFiles(engine, plan, { refs, onProgress, signal });
  } catch (err) {
    // best effort: record the failure as Spark does, without the (possibly aborted) signal
    await commitVacuumEnd(engine, snapshot, undefined).catch(() => undefined);
    throw err;
  }
  const end = await commitVacuumEnd(engine, snapshot, outcome.deleted.length, signal);
  return {
    ...base,
    filesDeleted: outcome.deleted.map((f) => f.path),
    bytes: sum(outcome.deleted),
    filesSparedByConcurrentCommits: outcome.spared,
    startVersion: start.version,
    endVersion: end.version,
    executionTimeMs: engine.clock.now() - started,
  };
}

/**
 * Deletes `files` in batches; before each batch, reads commits made since the last look and
 * spares any file they reference.
 */
async function deleteFiles(
  engine: Engine,
  plan: { files: VacuumCandidate[]; examined: number },
  options: { refs: ReferencedFiles; onProgress: VacuumOptions["onProgress"]; signal?: AbortSignal },
): Promise<{ deleted: VacuumCandidate[]; spared: number }> {
  const { files, examined } = plan;
  const { refs, onProgress, signal } = options;
  const deleted: VacuumCandidate[] = [];
  let spared = 0;
  async function* batches(): AsyncIterable<VacuumCandidate[]> {
    for await (const batch of chunked(files, DELETE_BATCH)) {
      // pulls are serialised by forEachConcurrent, so the log is re-read before every batch starts
      await refs.catchUp(signal);
      const kept = batch.filter((f) => !refs.has(f.path));
      spared += batch.length - kept.length;
      if (kept.length > 0) yield kept;
    }
  }
  await forEachConcurrent(
    batches(),
    DELETE_CONCURRENCY,
    async (batch) => {
      await engine.store.deleteMany(
        batch.map((f) => f.path),
        { signal },
      );
      deleted.push(...batch);
      onProgress?.({ phase: "delete", examined, candidates: files.length, deleted: deleted.length });
    },
    signal,
  );
  deleted.sort((a, b) => compareKeys(a.path, b.path));
  return { deleted, spared };
}

function sum(files: VacuumCandidate[]): number {
  let total = 0;
  for (const f of files) total += f.size;
  return total;
}
