/**
 * The operations layer: user-level table operations (create, write, ...) built on transactions.
 * This file: creating a table (version 0, or a replacement of an existing one).
 */
import { readTableProperties } from "../log/table-properties.js";
import { randomUUID } from "node:crypto";
import { InvalidSchemaError } from "../errors/schema-errors.js";
import { TableExistsError } from "../errors/txn-errors.js";
import type { Engine } from "../engine/index.js";
import type { Metadata } from "../log/actions.js";
import { loadSnapshot, loadSnapshotIfExists, type Snapshot } from "../log/snapshot.js";
import { assignColumnMapping, columnMappingMode } from "../schema/column-mapping.js";
import { planWriteSchema, resolvePartitionColumns } from "../schema/enforce.js";
import type { StructType } from "../schema/types.js";
import { featuresRequiredBy, requiredProtocol } from "../txn/protocol-support.js";
import { conflictError } from "../txn/commit-loop.js";
import { nameMaterializedRowTrackingColumns } from "../txn/row-tracking.js";
import { Transaction, type CommitResult, type TransactionOptions } from "../txn/transaction.js";

/** What a new table looks like. */
export interface TableDefinition {
  schema: StructType;
  partitionBy?: string[];
  /** Table properties (`delta.*` settings and your own). `delta.feature.<name> = supported` turns on a table feature. */
  properties?: Record<string, string>;
  name?: string;
  description?: string;
}

/** Options of {@link createTable}. */
export interface CreateTableOptions extends TransactionOptions {
  /** When a table is already there: `error` (default), `ignore` (keep it), `overwrite` (replace schema and data). */
  ifExists?: "error" | "ignore" | "overwrite";
}

/** The result of {@link createTable}: the commit, or undefined when an existing table was kept. */
export type CreateTableResult = { created: true; commit: CommitResult } | { created: false; snapshot: Snapshot };

/**
 * Creates a table at the store's root. I/O: an attempt to load an existing snapshot, then one
 * commit. Two concurrent creates of the same table: exactly one wins, the other gets
 * {@link TableExistsError} (with `ifExists: "error"`).
 */
export async function createTable(
  engine: Engine,
  definition: TableDefinition,
  options: CreateTableOptions = {},
): Promise<CreateTableResult> {
  const { store } = engine;
  const existing = await loadSnapshotIfExists(engine, { signal: options.signal });
  const ifExists = options.ifExists ?? "error";
  if (existing && ifExists === "error") throw new TableExistsError(store.rootUrl);
  if (existing && ifExists === "ignore") return { created: false, snapshot: existing };
  const clock = () => engine.clock.now();
  const metadata = newTableMetadata(definition, clock());
  const schema = JSON.parse(metadata.schemaString) as StructType;
  const protocol = requiredProtocol(featuresRequiredBy(metadata, schema), existing?.protocol);
  // feature requests live in the protocol, not in the properties (as Spark does)
  for (const key of Object.keys(metadata.configuration)) if (key.startsWith("delta.feature.")) delete metadata.configuration[key];
  const txn = new Transaction(engine, existing, options);
  txn.setMetadata(metadata);
  txn.setProtocol(protocol);
  if (existing) {
    txn.readWholeTable();
    txn.removeFiles(
      [...existing.files].map((a) => ({
        path: a.path,
        deletionTimestamp: clock(),
        dataChange: true,
        extendedFileMetadata: true,
        partitionValues: a.partitionValues,
        size: a.size,
        deletionVector: a.deletionVector,
      })),
    );
  }
  const outcome = await txn.tryCommit({
    operation: existing ? "CREATE OR REPLACE TABLE" : "CREATE TABLE",
    operationParameters: {
      partitionBy: metadata.partitionColumns,
      description: metadata.description ?? undefined,
      isManaged: false,
      properties: metadata.configuration,
    },
  });
  if (outcome.kind === "committed") return { created: true, commit: outcome.result };
  // another writer created the table between our check and our commit
  if (ifExists === "error") throw new TableExistsError(store.rootUrl);
  if (ifExists === "ignore") return { created: false, snapshot: await loadSnapshot(engine, { signal: options.signal }) };
  throw conflictError(outcome.conflict, store.rootUrl);
}

/** The `metaData` of a new table: validated schema and partitioning, column mapping assigned. */
export function newTableMetadata(definition: TableDefinition, now: number): Metadata {
  const properties = { ...(definition.properties ?? {}) };
  // the same checks a first write makes: names, duplicates, partition columns
  planWriteSchema({
    dataSchema: definition.schema,
    mode: "overwrite",
    schemaMode: "overwrite",
    partitionColumns: [],
    newPartitionColumns: definition.partitionBy ?? [],
    typeWidening: false,
    columnMapping: columnMappingMode(properties) !== "none",
  });
  if (definition.schema.fields.length === 0) throw new InvalidSchemaError("", "a table needs at least one column");
  const partitionColumns = resolvePartitionColumns(definition.schema, definition.partitionBy ?? []);
  let schema = definition.schema;
  nameMaterializedRowTrackingColumns(properties);
  if (columnMappingMode(properties) !== "none") {
    const assigned = assignColumnMapping(schema, readTableProperties(properties).columnMappingMaxColumnId, () => `col-${randomUUID()}`);
    schema = assigned.schema;
    properties["delta.columnMapping.maxColumnId"] = String(assigned.maxColumnId);
  }
  const metadata: Metadata = {
    id: randomUUID(),
    format: { provider: "parquet", options: {} },
    schemaString: JSON.stringify(schema),
    partitionColumns,
    configuration: properties,
    createdTime: now,
  };
  if (definition.name !== undefined) metadata.name = definition.name;
  if (definition.description !== undefined) metadata.description = definition.description;
  return metadata;
}
