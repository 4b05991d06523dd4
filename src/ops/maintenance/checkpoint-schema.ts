/**
 * The Arrow schema of the Parquet checkpoints lakelog writes: the column layout and types Spark
 * (Delta 3.x) writes, compared column by column with Spark's checkpoints in the golden tables
 * (test/unit/ops/maintenance/checkpoint-schema.test.ts). Every column is nullable, as in Spark's
 * files. Pure.
 */
import { Bool, type DataType, Field, Int32, Int64, List, Map_, Schema, Struct, Utf8 } from "apache-arrow";
import type { Metadata, Protocol } from "../../log/actions.js";
import { hasFeature } from "../../log/table-features.js";
import { toArrowType } from "../../schema/arrow-schema.js";
import { columnMappingMode, physicalName } from "../../schema/column-mapping.js";
import { parseSchemaString } from "../../schema/parse-schema.js";
import { statsPlanFor, type StatsNode } from "../write/stats-columns.js";

const utf8 = () => new Utf8();
const i64 = () => new Int64();
const i32 = () => new Int32();
const bool = () => new Bool();

function f(name: string, type: DataType): Field {
  return new Field(name, type, true);
}

/** `map<string, string>` with nullable values, as Spark writes it. */
function stringMap(): Map_ {
  const entries = new Struct([new Field("key", utf8(), false), new Field("value", utf8(), true)]);
  return new Map_(new Field("key_value", entries, false), false);
}

function stringList(): List {
  return new List(new Field("element", utf8(), true));
}

function deletionVectorType(): Struct {
  return new Struct([
    f("storageType", utf8()),
    f("pathOrInlineDv", utf8()),
    f("offset", i32()),
    f("sizeInBytes", i32()),
    f("cardinality", i64()),
    f("maxRowIndex", i64()),
  ]);
}

/** What the add column carries beyond Spark's fixed fields. */
export interface AddColumnOptions {
  /** Write `stats` (JSON). */
  statsJson: boolean;
  /** Type of `stats_parsed`, when written. */
  statsParsed?: Struct;
  /** Type of `partitionValues_parsed`, when written. */
  partitionValuesParsed?: Struct;
  /** Write `clusteringProvider` (tables with the `clustering` feature). */
  clusteringProvider: boolean;
}

function addType(o: AddColumnOptions): Struct {
  const fields = [
    f("path", utf8()),
    f("partitionValues", stringMap()),
    f("size", i64()),
    f("modificationTime", i64()),
    f("dataChange", bool()),
    f("tags", stringMap()),
    f("deletionVector", deletionVectorType()),
    f("baseRowId", i64()),
    f("defaultRowCommitVersion", i64()),
  ];
  if (o.clusteringProvider) fields.push(f("clusteringProvider", utf8()));
  if (o.statsJson) fields.push(f("stats", utf8()));
  if (o.partitionValuesParsed) fields.push(f("partitionValues_parsed", o.partitionValuesParsed));
  if (o.statsParsed) fields.push(f("stats_parsed", o.statsParsed));
  return new Struct(fields);
}

function removeType(): Struct {
  return new Struct([
    f("path", utf8()),
    f("deletionTimestamp", i64()),
    f("dataChange", bool()),
    f("extendedFileMetadata", bool()),
    f("partitionValues", stringMap()),
    f("size", i64()),
    f("deletionVector", deletionVectorType()),
    f("baseRowId", i64()),
    f("defaultRowCommitVersion", i64()),
  ]);
}

const txnField = () => f("txn", new Struct([f("appId", utf8()), f("version", i64()), f("lastUpdated", i64())]));
const metaDataField = () =>
  f(
    "metaData",
    new Struct([
      f("id", utf8()),
      f("name", utf8()),
      f("description", utf8()),
      f("format", new Struct([f("provider", utf8()), f("options", stringMap())])),
      f("schemaString", utf8()),
      f("partitionColumns", stringList()),
      f("configuration", stringMap()),
      f("createdTime", i64()),
    ]),
  );
const protocolField = () =>
  f(
    "protocol",
    new Struct([
      f("minReaderVersion", i32()),
      f("minWriterVersion", i32()),
      f("readerFeatures", stringList()),
      f("writerFeatures", stringList()),
    ]),
  );
const domainField = () => f("domainMetadata", new Struct([f("domain", utf8()), f("configuration", utf8()), f("removed", bool())]));
const checkpointMetadataField = () => f("checkpointMetadata", new Struct([f("version", i64()), f("tags", stringMap())]));
const sidecarField = () =>
  f("sidecar", new Struct([f("path", utf8()), f("sizeInBytes", i64()), f("modificationTime", i64()), f("tags", stringMap())]));

/** Which file of a checkpoint a schema is for. */
export type CheckpointFileKind = "classic" | "v2-top" | "sidecar";

/**
 * The schema of one checkpoint file: classic and multi-part files have txn, add, remove, metaData,
 * protocol, domainMetadata (Spark's order); a v2 top-level file adds checkpointMetadata and
 * sidecar; a sidecar file holds add and remove only.
 */
export function checkpointSchema(kind: CheckpointFileKind, add: AddColumnOptions): Schema {
  const addField = f("add", addType(add));
  const removeField = f("remove", removeType());
  if (kind === "sidecar") return new Schema([addField, removeField]);
  const fields = [txnField(), addField, removeField, metaDataField(), protocolField(), domainField()];
  if (kind === "v2-top") fields.push(checkpointMetadataField(), sidecarField());
  return new Schema(fields);
}

/**
 * The add column's options for a table: `stats` unless writeStatsAsJson is false;
 * `stats_parsed` / `partitionValues_parsed` when writeStatsAsStruct is true (and, for
 * `stats_parsed`, `hasStats`: some file has statistics; for `partitionValues_parsed`, the table is
 * partitioned).
 */
export function addColumnOptions(
  metadata: Metadata,
  protocol: Protocol,
  props: { writeStatsAsJson: boolean; writeStatsAsStruct: boolean },
  hasStats: boolean,
): AddColumnOptions {
  const asStruct = props.writeStatsAsStruct;
  return {
    // a checkpoint must carry statistics in some form: JSON when the struct form is off too
    statsJson: props.writeStatsAsJson || !asStruct,
    statsParsed: asStruct && hasStats ? statsStructType(metadata, protocol) : undefined,
    partitionValuesParsed: asStruct && metadata.partitionColumns.length > 0 ? partitionValuesType(metadata) : undefined,
    clusteringProvider: hasFeature(protocol, "clustering"),
  };
}

/** `partitionValues_parsed`: the partition columns (physical names) with their table types. */
export function partitionValuesType(metadata: Metadata): Struct {
  const schema = parseSchemaString(metadata.schemaString);
  const mode = columnMappingMode(metadata.configuration);
  const byName = new Map(schema.fields.map((field) => [field.name.toLowerCase(), field]));
  const fields = metadata.partitionColumns.map((column) => {
    const field = byName.get(column.toLowerCase());
    return field ? f(physicalName(field, mode), toArrowType(field.type)) : f(column, utf8());
  });
  return new Struct(fields);
}

/**
 * `stats_parsed`: numRecords, minValues and maxValues of the columns that get bounds, nullCount
 * of every column with statistics, and tightBounds on tables with deletion vectors; the columns
 * are those the write path collects statistics for (`dataSkippingNumIndexedCols` /
 * `dataSkippingStatsColumns`), by physical name.
 */
export function statsStructType(metadata: Metadata, protocol: Protocol): Struct {
  const schema = parseSchemaString(metadata.schemaString);
  const plan = statsPlanFor(schema, {
    partitionColumns: metadata.partitionColumns,
    columnMappingMode: columnMappingMode(metadata.configuration),
    configuration: metadata.configuration,
  });
  const bounds = boundsFields(plan.columns);
  const fields = [f("numRecords", i64())];
  if (bounds.length > 0) fields.push(f("minValues", new Struct(bounds)), f("maxValues", new Struct(boundsFields(plan.columns))));
  const counts = nullCountFields(plan.columns);
  if (counts.length > 0) fields.push(f("nullCount", new Struct(counts)));
  if (hasFeature(protocol, "deletionVectors")) fields.push(f("tightBounds", bool()));
  return new Struct(fields);
}

function boundsFields(nodes: StatsNode[]): Field[] {
  const out: Field[] = [];
  for (const node of nodes) {
    if (!node.minMax) continue;
    if (node.kind === "leaf") out.push(f(node.name, toArrowType(node.type)));
    else {
      const children = boundsFields(node.children);
      if (children.length > 0) out.push(f(node.name, new Struct(children)));
    }
  }
  return out;
}

function nullCountFields(nodes: StatsNode[]): Field[] {
  return nodes.map((node) => (node.kind === "leaf" ? f(node.name, i64()) : f(node.name, new Struct(nullCountFields(node.children)))));
}
