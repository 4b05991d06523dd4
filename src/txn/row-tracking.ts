/**
 * Row tracking (writer feature `rowTracking`, PROTOCOL.md "Row Tracking"): every row has a stable
 * row ID and a row commit version. A file's rows get IDs `baseRowId + i` (i = physical row index)
 * and commit version `defaultRowCommitVersion`, unless a materialized column holds them. The
 * table's highest assigned ID is the `rowIdHighWaterMark` of the `delta.rowTracking` domain.
 *
 * Assignment happens at commit time, per attempt: an `add` without `baseRowId` gets the next
 * `numRecords` IDs after the high-water mark of the version it commits on top of (the read
 * snapshot's, or the newest winner's after a lost race), `defaultRowCommitVersion` is the version
 * being written, and the commit carries the new high-water mark. So two concurrent appends never
 * share IDs and neither has to fail: the loser's commit loop re-assigns against the winner.
 *
 * Rows a rewrite copies or updates keep their stable IDs (and copied rows their commit versions)
 * in the materialized columns of the new files when row tracking is enabled
 * ({@link preservedRowTracking}); when it is only supported, they get fresh IDs, as the protocol
 * allows.
 */
import { createHash, randomUUID } from "node:crypto";
import { InvalidOperationError } from "../errors/argument-errors.js";
import type { Action, AddFile, DomainMetadata, Metadata, Protocol } from "../log/actions.js";
import type { Snapshot } from "../log/snapshot.js";
import type { RowTrackingColumns } from "../scan/row-tracking-columns.js";
import { readTableProperties } from "../log/table-properties.js";
import { writerFeaturesOf } from "./protocol-support.js";
import type { WinningCommit } from "./conflicts.js";

/** The domain holding the row ID high-water mark. */
export const ROW_TRACKING_DOMAIN = "delta.rowTracking";
/** Table properties naming the materialized columns (Spark sets them when row tracking is enabled). */
export const MATERIALIZED_ROW_ID_KEY = "delta.rowTracking.materializedRowIdColumnName";
export const MATERIALIZED_ROW_COMMIT_VERSION_KEY = "delta.rowTracking.materializedRowCommitVersionColumnName";

/** True when writers must assign row IDs: the protocol supports `rowTracking`. */
export function isRowTrackingSupported(protocol: Protocol): boolean {
  return writerFeaturesOf(protocol).has("rowTracking");
}

/** The `rowIdHighWaterMark` of a `delta.rowTracking` domain (-1 when absent: no ID assigned yet). */
export function rowIdHighWaterMark(domain: DomainMetadata | undefined): number {
  if (!domain || domain.removed) return -1;
  try {
    const mark = (JSON.parse(domain.configuration) as { rowIdHighWaterMark?: unknown }).rowIdHighWaterMark;
    return typeof mark === "number" && Number.isSafeInteger(mark) ? mark : -1;
  } catch {
    return -1;
  }
}

/** The high-water mark after the winners: the newest winner's domain, else `base`. */
export function highWaterMarkAfter(base: number, winners: readonly WinningCommit[]): number {
  let mark = base;
  for (const w of winners) {
    const domain = w.domains.find((d) => d.domain === ROW_TRACKING_DOMAIN);
    if (domain) mark = Math.max(mark, rowIdHighWaterMark(domain));
  }
  return mark;
}

/**
 * `actions` with fresh row IDs on every `add` that has no `baseRowId`, `defaultRowCommitVersion`
 * = `version` on those, and a `delta.rowTracking` domain action with the new high-water mark
 * (only when IDs were assigned). Adds that carry a `baseRowId` (a file re-added with a deletion
 * vector) keep theirs. Throws when an add lacks `numRecords` in its stats. Pure.
 */
export function assignRowIds(actions: readonly Action[], version: number, highWaterMark: number): Action[] {
  let mark = highWaterMark;
  let assigned = false;
  const out: Action[] = actions.map((a) => {
    if (!("add" in a) || (a.add.baseRowId !== undefined && a.add.baseRowId !== null)) return a;
    const rows = numRecordsOf(a.add);
    const add: AddFile = { ...a.add, baseRowId: mark + 1, defaultRowCommitVersion: version };
    mark += rows;
    assigned = true;
    return { add };
  });
  if (!assigned) return out;
  const domain: DomainMetadata = {
    domain: ROW_TRACKING_DOMAIN,
    configuration: JSON.stringify({ rowIdHighWaterMark: mark }),
    removed: false,
  };
  const at = out.findIndex((a) => "add" in a || "remove" in a || "cdc" in a);
  out.splice(at < 0 ? out.length : at, 0, { domainMetadata: domain });
  return out;
}

function numRecordsOf(add: AddFile): number {
  const rows = add.stats ? (JSON.parse(add.stats) as { numRecords?: unknown }).numRecords : undefined;
  if (typeof rows !== "number" || !Number.isSafeInteger(rows) || rows < 0) {
    throw new InvalidOperationError("commit", `row tracking needs numRecords in the statistics of every added file; ${add.path} has none`);
  }
  return rows;
}

/**
 * Sets the materialized column name properties (as Spark does when row tracking is enabled) in a
 * new table's `properties` when it enables or supports row tracking and they are absent.
 */
export function nameMaterializedRowTrackingColumns(properties: Record<string, string>): void {
  const wanted =
    readTableProperties(properties).enableRowTracking || ["supported", "enabled"].includes(properties["delta.feature.rowTracking"] ?? "");
  if (!wanted) return;
  properties[MATERIALIZED_ROW_ID_KEY] ??= `${ROW_ID_PREFIX}${randomUUID()}`;
  properties[MATERIALIZED_ROW_COMMIT_VERSION_KEY] ??= `${COMMIT_VERSION_PREFIX}${randomUUID()}`;
}

/** Prefixes of the materialized column names (Spark's `MaterializedRowId` / `MaterializedRowCommitVersion`). */
const ROW_ID_PREFIX = "_row-id-col-";
const COMMIT_VERSION_PREFIX = "_row-commit-version-col-";

/**
 * The materialized columns rewrites of `snapshot`'s table write, or undefined when row tracking
 * is not enabled there (the protocol supports `rowTracking` and `delta.enableRowTracking` is
 * true): then moved rows get fresh IDs. Names come from the table properties; a name the
 * properties lack (a table enabled by a writer that did not name them) is derived from the table
 * id, `_row-id-col-<uuid>` as Spark names them, so every writer of the table derives the same one;
 * the commit then records it (see `Transaction.preserveRowTracking`). Pure.
 */
export function preservedRowTracking(
  snapshot: Pick<Snapshot, "protocol" | "metadata" | "tableProperties">,
): RowTrackingColumns | undefined {
  if (!isRowTrackingSupported(snapshot.protocol) || !snapshot.tableProperties.enableRowTracking) return undefined;
  const p = snapshot.metadata.configuration;
  return {
    rowId: p[MATERIALIZED_ROW_ID_KEY] ?? derivedName(ROW_ID_PREFIX, snapshot.metadata.id),
    commitVersion: p[MATERIALIZED_ROW_COMMIT_VERSION_KEY] ?? derivedName(COMMIT_VERSION_PREFIX, snapshot.metadata.id),
  };
}

/** `metadata` with the materialized column names set (unchanged when both are there already). */
export function withMaterializedColumnNames(metadata: Metadata, names: RowTrackingColumns): Metadata {
  const c = metadata.configuration;
  if (c[MATERIALIZED_ROW_ID_KEY] === names.rowId && c[MATERIALIZED_ROW_COMMIT_VERSION_KEY] === names.commitVersion) return metadata;
  const configuration = { ...c, [MATERIALIZED_ROW_ID_KEY]: names.rowId, [MATERIALIZED_ROW_COMMIT_VERSION_KEY]: names.commitVersion };
  return { ...metadata, configuration };
}

/** `prefix` + a UUID-shaped hash of the table id and the prefix. */
function derivedName(prefix: string, tableId: string): string {
  const h = createHash("sha256").update(`${tableId}/${prefix}`).digest("hex");
  return `${prefix}${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
