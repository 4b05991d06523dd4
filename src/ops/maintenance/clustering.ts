/**
 * Liquid clustering (writer feature `clustering`; `liquid` in tables from the Databricks preview):
 * the clustering columns live in the domain metadata `delta.clustering` (`delta.liquid` for the
 * preview) as physical column paths: `{"clusteringColumns": [["a"], ["b"]]}`, or in the preview
 * `{"clusteringColumns": [{"physicalName": ["a"]}]}`. Appends need nothing special (files written
 * without clustering are valid); `optimize` without `zOrderBy` clusters by these columns.
 */
import { InvalidOptimizeOptionError } from "../../errors/optimize-errors.js";
import type { Snapshot } from "../../log/snapshot.js";
import { physicalName } from "../../schema/column-mapping.js";

/** Domains holding clustering columns: the protocol's, then the preview's. */
export const CLUSTERING_DOMAINS = ["delta.clustering", "delta.liquid"] as const;

/** The value of `clusteringProvider` on files clustered by optimize. */
export const CLUSTERING_PROVIDER = "liquid";

/**
 * The table's clustering columns as logical top-level names, or undefined when the table is not
 * clustered (no domain, or an empty list). Throws {@link InvalidOptimizeOptionError} for a nested
 * or unknown column.
 */
export function clusteringColumnsOf(snapshot: Snapshot): string[] | undefined {
  const domain = CLUSTERING_DOMAINS.map((d) => snapshot.domains.get(d)).find((d) => d !== undefined && !d.removed);
  if (!domain) return undefined;
  let parsed: unknown;
  try {
    parsed = (JSON.parse(domain.configuration) as { clusteringColumns?: unknown }).clusteringColumns;
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length === 0) return undefined;
  return parsed.map((entry: unknown) => {
    const path = Array.isArray(entry) ? entry : (entry as { physicalName?: unknown })?.physicalName;
    if (!Array.isArray(path) || path.length !== 1 || typeof path[0] !== "string") {
      throw new InvalidOptimizeOptionError("clusteringColumns", JSON.stringify(entry), "only top-level clustering columns are supported");
    }
    const field = snapshot.schema.fields.find((f) => physicalName(f, snapshot.columnMappingMode) === path[0]);
    if (!field) throw new InvalidOptimizeOptionError("clusteringColumns", path[0], "the table has no column with this physical name");
    return field.name;
  });
}
