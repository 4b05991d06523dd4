/**
 * Checkpoint rows: the non-file actions and tombstones as plain row objects shaped like the
 * checkpoint schema (one action column set per row) and their conversion into Arrow record
 * batches; the parsing of partition values and statistics for the `_parsed` columns. The adds,
 * the bulk of a checkpoint, are built column by column (`checkpoint-columns.ts`). Pure.
 */
import { type DataType as ArrowType, type Field, type RecordBatch, type Schema, Type } from "apache-arrow";
import { batchOf } from "../../arrow/data.js";
import type { DomainMetadata, Metadata, Protocol, RemoveFile, SetTransaction } from "../../log/actions.js";
import { parsePartitionValue } from "../../expr/partition-values.js";
import { parseSchemaString } from "../../schema/parse-schema.js";
import { columnMappingMode, physicalName } from "../../schema/column-mapping.js";
import type { DataType } from "../../schema/types.js";
import { builderFor } from "../write/rows-build.js";

/** One checkpoint row: exactly one action column set. */
export type CheckpointRow = Record<string, unknown>;

/** Rows per record batch handed to the Parquet writer. */
export const CHECKPOINT_BATCH_ROWS = 4096;

/** The non-file actions every checkpoint carries: protocol, metaData, txn and live domain metadata. */
export function nonFileRows(
  protocol: Protocol,
  metadata: Metadata,
  txns: Iterable<SetTransaction>,
  domains: Iterable<DomainMetadata>,
): CheckpointRow[] {
  const rows: CheckpointRow[] = [
    {
      protocol: {
        minReaderVersion: protocol.minReaderVersion,
        minWriterVersion: protocol.minWriterVersion,
        readerFeatures: protocol.readerFeatures ?? null,
        writerFeatures: protocol.writerFeatures ?? null,
      },
    },
    {
      metaData: {
        id: metadata.id,
        name: metadata.name ?? null,
        description: metadata.description ?? null,
        format: { provider: metadata.format.provider, options: metadata.format.options ?? {} },
        schemaString: metadata.schemaString,
        partitionColumns: metadata.partitionColumns,
        configuration: metadata.configuration,
        createdTime: metadata.createdTime ?? null,
      },
    },
  ];
  for (const t of txns) rows.push({ txn: { appId: t.appId, version: t.version, lastUpdated: t.lastUpdated ?? null } });
  for (const d of domains) rows.push({ domainMetadata: { domain: d.domain, configuration: d.configuration, removed: false } });
  return rows;
}

/** A tombstone as Spark checkpoints it (dataChange false; no stats or tags). */
export function removeRow(r: RemoveFile): CheckpointRow {
  return {
    remove: {
      path: r.path,
      deletionTimestamp: r.deletionTimestamp ?? null,
      dataChange: false,
      extendedFileMetadata: r.extendedFileMetadata ?? null,
      partitionValues: r.partitionValues ?? null,
      size: r.size ?? null,
      deletionVector: r.deletionVector ?? null,
      baseRowId: r.baseRowId ?? null,
      defaultRowCommitVersion: r.defaultRowCommitVersion ?? null,
    },
  };
}

/**
 * Parses partition values into the typed form of `partitionValues_parsed`, once per distinct
 * partition (the file index shares one object per partition).
 */
export class PartitionValueParser {
  private readonly parsedPartitions = new WeakMap<object, Record<string, unknown>>();
  private readonly partitionTypes: Array<{ key: string; type: DataType }>;

  constructor(metadata: Metadata) {
    const schema = parseSchemaString(metadata.schemaString);
    const mode = columnMappingMode(metadata.configuration);
    const byName = new Map(schema.fields.map((field) => [field.name.toLowerCase(), field]));
    this.partitionTypes = metadata.partitionColumns.map((column) => {
      const field = byName.get(column.toLowerCase());
      return { key: field ? physicalName(field, mode) : column, type: field?.type ?? "string" };
    });
  }

  /** The typed partition values of a file (parsed once per distinct partition). */
  parsedPartition(values: Record<string, string | null>): Record<string, unknown> {
    let parsed = this.parsedPartitions.get(values);
    if (!parsed) {
      parsed = {};
      for (const { key, type } of this.partitionTypes) parsed[key] = partitionScalar(values[key], type, key);
      this.parsedPartitions.set(values, parsed);
    }
    return parsed;
  }
}

/** A partition value in the form the row builder takes; null when it does not parse. */
function partitionScalar(raw: string | null | undefined, type: DataType, column: string): unknown {
  if (raw === null || raw === undefined) return null;
  // dates and decimals: the builder reads their text forms
  if (type === "date" || (typeof type === "string" && type.startsWith("decimal"))) return raw;
  try {
    return parsePartitionValue(raw, type, column);
  } catch {
    return null;
  }
}

/** The statistics JSON parsed, or null when absent or malformed. */
export function parseStatsJson(stats: string | null | undefined): unknown {
  if (!stats) return null;
  try {
    return JSON.parse(stats) as unknown;
  } catch {
    return null;
  }
}

/**
 * Keeps only what `type` can hold: struct keys it has, leaves of a matching JS kind (others
 * become null), so statistics written by other engines never fail a checkpoint.
 */
export function fitValue(value: unknown, type: ArrowType): unknown {
  if (value === null || value === undefined) return null;
  switch (type.typeId) {
    case Type.Struct: {
      if (typeof value !== "object" || Array.isArray(value)) return null;
      const out: Record<string, unknown> = {};
      for (const child of type.children as Field[]) {
        const v = (value as Record<string, unknown>)[child.name];
        if (v !== undefined) out[child.name] = fitValue(v, child.type);
      }
      return out;
    }
    case Type.Int:
      return (type as unknown as { bitWidth: number }).bitWidth === 64
        ? Number.isSafeInteger(value)
          ? value
          : null
        : Number.isInteger(value)
          ? value
          : null;
    case Type.Float:
      return typeof value === "number" ? value : null;
    case Type.Utf8:
      return typeof value === "string" ? value : null;
    case Type.Bool:
      return typeof value === "boolean" ? value : null;
    case Type.Date:
      return typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : null;
    case Type.Timestamp:
      return typeof value === "string" && /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(value) ? value : null;
    case Type.Decimal:
      return typeof value === "number" && Number.isFinite(value) ? String(value) : typeof value === "string" ? value : null;
    default:
      return null;
  }
}

/**
 * Converts rows (non-file actions and tombstones; adds go through `checkpoint-columns.ts`) into a
 * record batch of `schema`.
 */
export function rowsToBatch(schema: Schema, rows: CheckpointRow[]): RecordBatch {
  const columns = schema.fields.map((field) => {
    const builder = builderFor(field, field.name);
    for (const r of rows) builder.append(r[field.name] ?? null);
    return builder.finish();
  });
  return batchOf(schema, columns, rows.length);
}
