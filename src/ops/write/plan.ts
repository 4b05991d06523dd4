/**
 * Deciding what a write commits besides files: the table's metadata and protocol after the
 * write (new table, evolved schema, or unchanged).
 */
import { readTableProperties } from "../../log/table-properties.js";
import { randomUUID } from "node:crypto";
import type { Metadata, Protocol } from "../../log/actions.js";
import type { Snapshot } from "../../log/snapshot.js";
import { hasFeature } from "../../log/table-features.js";
import { assignColumnMapping, columnMappingMode } from "../../schema/column-mapping.js";
import { planWriteSchema, type WriteSchemaPlan } from "../../schema/enforce.js";
import type { StructType } from "../../schema/types.js";
import { featuresRequiredBy, protocolDiffers, requiredProtocol } from "../../txn/protocol-support.js";
import { newTableMetadata, type TableDefinition } from "../create.js";

/** What the write asks for, as far as metadata is concerned. */
export interface MetadataRequest {
  mode: "append" | "overwrite";
  schemaMode?: "merge" | "overwrite";
  partitionBy?: string[];
  /** For a table this write creates. */
  properties?: Record<string, string>;
  name?: string;
  description?: string;
}

/** The table's shape after the write. */
export interface WriteMetadataPlan {
  schema: StructType;
  metadata: Metadata;
  /** A new `metaData` action to commit, when the schema or partitioning changes or the table is new. */
  newMetadata?: Metadata;
  /** A new `protocol` action to commit, when the table is new or needs more features. */
  newProtocol?: Protocol;
  schemaPlan: WriteSchemaPlan;
}

/** Plans metadata and protocol for writing data of `dataSchema` to `snapshot` (or to a new table). */
export function planWriteMetadata(
  snapshot: Snapshot | undefined,
  dataSchema: StructType,
  request: MetadataRequest,
  now: number,
): WriteMetadataPlan {
  const protocol = snapshot?.protocol;
  const typeWidening =
    !!protocol &&
    (hasFeature(protocol, "typeWidening") || hasFeature(protocol, "typeWidening-preview")) &&
    !!snapshot?.tableProperties.enableTypeWidening;
  const schemaPlan = planWriteSchema({
    tableSchema: snapshot?.schema,
    dataSchema,
    mode: request.mode,
    schemaMode: request.schemaMode,
    partitionColumns: snapshot?.partitionColumns ?? [],
    newPartitionColumns: request.partitionBy,
    typeWidening,
    columnMapping: snapshot ? snapshot.columnMappingMode !== "none" : columnMappingMode(request.properties ?? {}) !== "none",
  });
  let metadata: Metadata;
  let newMetadata: Metadata | undefined;
  if (!snapshot) {
    const definition: TableDefinition = {
      schema: schemaPlan.schema,
      partitionBy: schemaPlan.partitionColumns,
      properties: request.properties,
      name: request.name,
      description: request.description,
    };
    metadata = newMetadata = newTableMetadata(definition, now);
  } else if (schemaPlan.changed) {
    metadata = newMetadata = evolvedMetadata(snapshot.metadata, schemaPlan);
  } else {
    metadata = snapshot.metadata;
  }
  const schema = JSON.parse(metadata.schemaString) as StructType;
  const required = requiredProtocol(featuresRequiredBy(metadata, schema), protocol);
  const newProtocol = !protocol || protocolDiffers(protocol, required) ? required : undefined;
  if (newMetadata && !snapshot) {
    for (const key of Object.keys(newMetadata.configuration)) if (key.startsWith("delta.feature.")) delete newMetadata.configuration[key];
  }
  return { schema, metadata, newMetadata, newProtocol, schemaPlan };
}

/** The existing metadata with the new schema and partitioning; new fields get column mapping ids. */
function evolvedMetadata(current: Metadata, plan: WriteSchemaPlan): Metadata {
  const configuration = { ...current.configuration };
  let schema = plan.schema;
  if (columnMappingMode(configuration) !== "none") {
    const assigned = assignColumnMapping(schema, readTableProperties(configuration).columnMappingMaxColumnId, () => `col-${randomUUID()}`);
    schema = assigned.schema;
    configuration["delta.columnMapping.maxColumnId"] = String(assigned.maxColumnId);
  }
  return { ...current, schemaString: JSON.stringify(schema), partitionColumns: plan.partitionColumns, configuration };
}
