/**
 * Which columns of a data file get statistics, decided as Spark's `StatisticsCollection` does
 * from the table properties:
 *
 * - `delta.dataSkippingStatsColumns`, when set, wins: a comma-separated list of column paths
 *   (dots between nested names, backticks around names holding dots or commas, `` `` `` for a
 *   backtick), matched case-insensitively against logical names. A path naming a struct selects
 *   all of it; a path reaching through a non-struct selects nothing; `""` selects no column.
 * - Otherwise `delta.dataSkippingNumIndexedCols` (default 32; -1 = every column) takes the first N
 *   leaves depth-first in schema order; every non-struct field (arrays, maps and variants
 *   included) takes one slot, and a struct is cut part-way when the count runs out inside it.
 *
 * Partition columns never get statistics. Of the selected leaves, `byte`, `short`, `integer`,
 * `long`, `float`, `double`, `decimal`, `date`, `timestamp`, `timestamp_ntz` and `string` get
 * min/max values (Spark's `SkippingEligibleDataType`); every selected leaf gets a null count
 * (arrays and maps: rows where the whole value is null). Properties holding values Spark would
 * refuse are read as their defaults: extra statistics are never wrong. Pure.
 */
import { type ColumnMappingMode, physicalName } from "../../schema/column-mapping.js";
import { decimalParts, type DataType, type StructField, type StructType } from "../../schema/types.js";

export const NUM_INDEXED_COLS_KEY = "delta.dataSkippingNumIndexedCols";
export const STATS_COLUMNS_KEY = "delta.dataSkippingStatsColumns";
export const STRING_PREFIX_LENGTH_KEY = "delta.dataSkippingStringPrefixLength";
const DEFAULT_NUM_INDEXED_COLS = 32;
const DEFAULT_STRING_PREFIX_LENGTH = 32;

/** A selected non-struct column: null count always, min/max when `minMax`. */
export interface StatsLeaf {
  kind: "leaf";
  /** Physical name (the stats key). */
  name: string;
  /** Position among its parent's fields (top level: among the data columns). */
  index: number;
  type: DataType;
  minMax: boolean;
}

/** A selected struct and the selected fields under it. */
export interface StatsStruct {
  kind: "struct";
  name: string;
  index: number;
  children: StatsNode[];
  /** Some leaf below gets min/max values. */
  minMax: boolean;
}

export type StatsNode = StatsLeaf | StatsStruct;

/** Everything the statistics collector needs to know, fixed per table write. */
export interface StatsPlan {
  /** Selected columns, in schema order, indexed against the data columns (partition columns removed). */
  columns: StatsNode[];
  /** Code points kept of string bounds (`delta.dataSkippingStringPrefixLength`, default 32). */
  stringPrefixLength: number;
  /** Append `"tightBounds":true` (Spark does when the table supports deletion vectors). */
  tightBounds: boolean;
}

/** Options of {@link statsPlanFor}. */
export interface StatsPlanOptions {
  /** Logical names of the partition columns (`metaData.partitionColumns`). */
  partitionColumns: readonly string[];
  columnMappingMode: ColumnMappingMode;
  /** Table properties. */
  configuration: Readonly<Record<string, string>>;
  tightBounds?: boolean;
}

const ELIGIBLE = new Set(["byte", "short", "integer", "long", "float", "double", "date", "timestamp", "timestamp_ntz", "string"]);

/** True for the types Spark records min/max values for. */
export function isSkippingEligible(type: DataType): boolean {
  return typeof type === "string" && (ELIGIBLE.has(type) || decimalParts(type) !== undefined);
}

/** The data columns of a table: its fields without the partition columns, in schema order. */
export function dataFieldsOf(schema: StructType, partitionColumns: readonly string[]): StructField[] {
  const partitions = new Set(partitionColumns.map((c) => c.toLowerCase()));
  return schema.fields.filter((f) => !partitions.has(f.name.toLowerCase()));
}

/** The statistics plan for files of a table with this schema and these properties. */
export function statsPlanFor(schema: StructType, options: StatsPlanOptions): StatsPlan {
  const fields = dataFieldsOf(schema, options.partitionColumns);
  const config = options.configuration;
  const mode = options.columnMappingMode;
  const listed = config[STATS_COLUMNS_KEY] !== undefined ? parseStatsColumns(config[STATS_COLUMNS_KEY]) : undefined;
  const columns = listed
    ? selectListed(fields, listed, mode)
    : selectFirst(fields, readInt(config[NUM_INDEXED_COLS_KEY], -1) ?? DEFAULT_NUM_INDEXED_COLS, mode);
  return {
    columns,
    stringPrefixLength: readInt(config[STRING_PREFIX_LENGTH_KEY], 0) ?? DEFAULT_STRING_PREFIX_LENGTH,
    tightBounds: options.tightBounds === true,
  };
}

/** Java's `Integer.parseInt` as Spark reads the property, refusing values below `min`. */
function readInt(value: string | undefined, min: number): number | undefined {
  if (value === undefined || !/^[+-]?\d{1,10}$/.test(value)) return undefined;
  const n = Number(value);
  return n >= min && n <= 2147483647 ? n : undefined;
}

/**
 * Parses a `delta.dataSkippingStatsColumns` value into lower-cased name paths; undefined when it
 * does not parse (Spark refuses such values when they are set).
 */
export function parseStatsColumns(text: string): string[][] | undefined {
  if (text.trim() === "") return [];
  const out: string[][] = [];
  let path: string[] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  for (;;) {
    skipSpace();
    const name = readIdentifier();
    if (name === undefined) return undefined;
    path.push(name.toLowerCase());
    skipSpace();
    if (i === text.length) break;
    const sep = text[i++];
    if (sep === ",") {
      out.push(path);
      path = [];
    } else if (sep !== ".") return undefined;
  }
  out.push(path);
  return out;

  function readIdentifier(): string | undefined {
    if (text[i] === "`") {
      let name = "";
      for (i++; i < text.length; i++) {
        if (text[i] !== "`") name += text[i];
        else if (text[i + 1] === "`") name += text[i++];
        else return (i++, name);
      }
      return undefined; // unterminated
    }
    const start = i;
    while (i < text.length && !/[\s.,`]/.test(text[i]!)) i++;
    return i > start ? text.slice(start, i) : undefined;
  }
}

function leafOf(field: StructField, index: number, mode: ColumnMappingMode): StatsLeaf {
  return { kind: "leaf", name: physicalName(field, mode), index, type: field.type, minMax: isSkippingEligible(field.type) };
}

function structOf(field: StructField, index: number, children: StatsNode[], mode: ColumnMappingMode): StatsStruct {
  return { kind: "struct", name: physicalName(field, mode), index, children, minMax: children.some((c) => c.minMax) };
}

function isStructType(type: DataType): type is StructType {
  return typeof type === "object" && type.type === "struct";
}

/** Every field of `fields`, whole. */
function selectAll(fields: readonly StructField[], mode: ColumnMappingMode): StatsNode[] {
  return fields.map((f, i) => (isStructType(f.type) ? structOf(f, i, selectAll(f.type.fields, mode), mode) : leafOf(f, i, mode)));
}

/** Spark's `truncateSchema`: the first `limit` leaves (all when negative). */
function selectFirst(fields: readonly StructField[], limit: number, mode: ColumnMappingMode): StatsNode[] {
  if (limit < 0) return selectAll(fields, mode);
  let remaining = limit;
  const walk = (list: readonly StructField[]): StatsNode[] => {
    const out: StatsNode[] = [];
    for (let i = 0; i < list.length && remaining > 0; i++) {
      const f = list[i]!;
      if (isStructType(f.type)) out.push(structOf(f, i, walk(f.type.fields), mode));
      else {
        out.push(leafOf(f, i, mode));
        remaining--;
      }
    }
    return out;
  };
  return walk(fields);
}

/** Spark's `filterSchema`: the fields the listed paths name, in schema order. */
function selectListed(fields: readonly StructField[], paths: readonly string[][], mode: ColumnMappingMode): StatsNode[] {
  const out: StatsNode[] = [];
  fields.forEach((f, i) => {
    const mine = paths.filter((p) => p[0] === f.name.toLowerCase());
    if (mine.length === 0) return;
    if (mine.some((p) => p.length === 1)) {
      out.push(isStructType(f.type) ? structOf(f, i, selectAll(f.type.fields, mode), mode) : leafOf(f, i, mode));
    } else if (isStructType(f.type)) {
      const children = selectListed(
        f.type.fields,
        mine.map((p) => p.slice(1)),
        mode,
      );
      if (children.length > 0) out.push(structOf(f, i, children, mode));
    }
  });
  return out;
}
