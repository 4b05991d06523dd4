/**
 * Schema evolution of a MERGE (`schemaMode: 'merge'`): source columns the target lacks are added
 * to the table schema (nullable, at the end) when an `updateAll` or `insertAll` clause would assign
 * them, as Spark's `autoMerge` does. The merge then runs against a snapshot view carrying the new
 * metadata; the commit carries it too. Only tables without column mapping evolve, and only
 * primitive columns are added.
 */
import { InvalidArgumentError } from "../../errors/argument-errors.js";
import type { Metadata } from "../../log/actions.js";
import { Snapshot } from "../../log/snapshot.js";
import type { StructType } from "../../schema/types.js";
import type { MergeClause } from "./merge-plan.js";

/** The evolved metadata and snapshot view, or undefined when the schema does not change. */
export function evolveForMerge(
  snapshot: Snapshot,
  source: StructType,
  clauses: readonly MergeClause[],
): { metadata: Metadata; view: Snapshot } | undefined {
  const usesAll = clauses.some((c) => (c.action === "update" || c.action === "insert") && "all" in c && c.all === true);
  if (!usesAll) return undefined;
  const target = snapshot.schema;
  const names = new Set(target.fields.map((f) => f.name.toLowerCase()));
  const extra = source.fields.filter((f) => !names.has(f.name.toLowerCase()));
  if (extra.length === 0) return undefined;
  if (snapshot.columnMappingMode !== "none")
    throw new InvalidArgumentError(
      "schemaMode",
      "merge",
      "a table without column mapping (adding columns under column mapping is not supported yet)",
    );
  for (const f of extra)
    if (typeof f.type !== "string")
      throw new InvalidArgumentError(`source column ${f.name}`, "a nested column", "primitive columns only for schema evolution");
  const schema: StructType = { ...target, fields: [...target.fields, ...extra.map((f) => ({ ...f, nullable: true }))] };
  const metadata: Metadata = { ...snapshot.metadata, schemaString: JSON.stringify(schema) };
  const s = snapshot;
  const view = new Snapshot(s.tableUrl, s.version, s.protocol, metadata, s.files, s.tombstones, s.txns, s.domains, s.timestamp, s.segment);
  return { metadata, view };
}
