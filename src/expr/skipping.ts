/**
 * File skipping: deciding from the log alone (partition values and `add.stats`) that a file
 * cannot hold a row matching a predicate, so a scan need not read it. Conservative: a file is
 * skipped only when that is certain; missing or unparsable stats, unknown columns, rounded or
 * truncated bounds never cause a skip.
 *
 * The predicate is put in negation normal form, then split: leaves on partition columns are
 * decided exactly from each file's partition values (once per distinct partition-values object:
 * a {@link FileIndex} shares one object among the files of a partition), leaving a residual
 * over data columns that is checked against min/max/nullCount statistics, parsed at most once
 * per file and only when the residual needs them.
 */
import { RecordBatch } from "apache-arrow";
import { LakelogError } from "../errors/base.js";
import type { FileIndex } from "../log/file-index.js";
import { type ColumnMappingMode, physicalName } from "../schema/column-mapping.js";
import type { PrimitiveTypeName, StructType } from "../schema/types.js";
import type { BoundColumn, BoundExpression } from "./bind.js";
import { evaluateLeaf, leafColumns, type NnfExpression, type NnfLeaf, toNnf } from "./nnf.js";
import { columnBounds, type FileStats, isAboveStringMax, parseStats, type StatsColumn } from "./stats.js";
import { compareScalars, type Scalar } from "./values.js";
import type { CompareOp } from "./expression.js";
import { evaluateTriState } from "./evaluate.js";
import { parsePartitionValue, partitionVector, type PartitionValueOptions } from "./partition-values.js";

/** What skipping needs to know about the table. */
export interface SkippingContext {
  /** The table schema (logical names). */
  schema: StructType;
  /** `metaData.partitionColumns` (logical names). */
  partitionColumns?: readonly string[];
  /** Column mapping mode: stats and partition values are keyed by physical names. Default `none`. */
  columnMappingMode?: ColumnMappingMode;
  /** How to read partition values (time zone of zone-less timestamps). */
  partitionValueOptions?: PartitionValueOptions;
}

/** A file as skipping sees it: the `add` action's `stats` and `partitionValues`. */
export interface SkippingFile {
  stats?: string | null;
  partitionValues: Readonly<Record<string, string | null>>;
}

type Plan =
  | { kind: "and" | "or"; children: Plan[] }
  | { kind: "keep" }
  | { kind: "skip" }
  | { kind: "partition"; leaf: NnfLeaf }
  | { kind: "stats"; leaf: NnfLeaf; column: StatsColumn };

const KEEP: Plan = { kind: "keep" };
const SKIP: Plan = { kind: "skip" };

/**
 * A predicate compiled for skipping over one table's files. Reuse one per scan: it caches the
 * partition decision per partition-values object.
 *
 * @example
 * const skipper = new FileSkipper(bind(parseExpression("part = 'a' AND id > 10"), schema), { schema, partitionColumns });
 * const positions = skipper.selectFiles(snapshot.files);
 */
export class FileSkipper {
  /** Stats strings parsed so far (each file's at most once per call). */
  statsParsed = 0;
  /** Distinct partition-values objects evaluated so far. */
  partitionsEvaluated = 0;

  private readonly plan: Plan;
  private readonly usesPartitions: boolean;
  private readonly residuals = new WeakMap<object, Plan>();
  private readonly partitionKeys = new Map<string, { physical: string; type: PrimitiveTypeName }>();

  constructor(
    expr: BoundExpression,
    private readonly context: SkippingContext,
  ) {
    const partitions = new Set((context.partitionColumns ?? []).map((c) => c.toLowerCase()));
    const mode = context.columnMappingMode ?? "none";
    for (const field of context.schema.fields) {
      if (partitions.has(field.name.toLowerCase()) && typeof field.type === "string") {
        this.partitionKeys.set(field.name.toLowerCase(), { physical: physicalName(field, mode), type: field.type });
      }
    }
    this.plan = simplify(this.build(toNnf(expr)));
    this.usesPartitions = hasPartitionLeaf(this.plan);
  }

  private build(e: NnfExpression): Plan {
    if (e.kind === "and" || e.kind === "or") return { kind: e.kind, children: e.children.map((c) => this.build(c)) };
    if (e.kind === "constant") return e.value === true ? KEEP : SKIP;
    const columns = leafColumns(e);
    const onPartition = columns.map((c) => c.path.length === 1 && this.partitionKeys.has(c.path[0]!.toLowerCase()));
    // Conditions over computed values (arithmetic, LIKE, CASE, functions...) are decided only from
    // partition values (exact per file); bounds say nothing certain about them: the file might match.
    if (e.kind === "test") return onPartition.length > 0 && onPartition.every(Boolean) ? { kind: "partition", leaf: e } : KEEP;
    if (onPartition.every(Boolean)) return { kind: "partition", leaf: e };
    if (onPartition.some(Boolean) || e.kind === "compareColumns") return KEEP;
    const column = columns[0]!;
    if (typeof column.type !== "string") return KEEP;
    return { kind: "stats", leaf: e, column: { physicalPath: this.physicalPath(column), type: column.type } };
  }

  private physicalPath(column: BoundColumn): string[] {
    const mode = this.context.columnMappingMode ?? "none";
    const out: string[] = [];
    let fields = this.context.schema.fields;
    for (const name of column.path) {
      const field = fields.find((f) => f.name === name)!;
      out.push(physicalName(field, mode));
      fields = typeof field.type === "object" && field.type.type === "struct" ? field.type.fields : [];
    }
    return out;
  }

  /** True when the file certainly holds no row for which the predicate is TRUE. */
  canSkip(file: SkippingFile): boolean {
    const residual = this.usesPartitions ? this.residualFor(file.partitionValues) : this.plan;
    if (residual.kind === "skip") return true;
    if (residual.kind === "keep") return false;
    const stats = parseStats(file.stats);
    this.statsParsed += file.stats ? 1 : 0;
    if (!stats) return false;
    if (stats.numRecords === 0) return true;
    return statsSkip(residual, stats);
  }

  /** Positions (ascending) of the files of `files` that may hold matching rows. */
  selectFiles(files: FileIndex): Uint32Array {
    const kept = new Uint32Array(files.length);
    let n = 0;
    for (let i = 0; i < files.length; i++) {
      if (!this.canSkip({ stats: files.stats(i), partitionValues: files.partitionValues(i) })) kept[n++] = i;
    }
    return kept.slice(0, n);
  }

  private residualFor(values: Readonly<Record<string, string | null>>): Plan {
    let residual = this.residuals.get(values);
    if (!residual) {
      this.partitionsEvaluated++;
      const typed = new Map<string, Scalar | null | undefined>();
      const valueOf = (column: BoundColumn): Scalar | null => {
        const key = column.path[0]!.toLowerCase();
        if (!typed.has(key)) typed.set(key, this.partitionValue(values, key));
        const v = typed.get(key);
        if (v === undefined) throw UNPARSABLE;
        return v;
      };
      residual = simplify(resolvePartitions(this.plan, valueOf));
      this.residuals.set(values, residual);
    }
    return residual;
  }

  private partitionValue(values: Readonly<Record<string, string | null>>, key: string): Scalar | null | undefined {
    const { physical, type } = this.partitionKeys.get(key)!;
    try {
      return parsePartitionValue(values[physical], type, physical, this.context.partitionValueOptions);
    } catch {
      return undefined; // unparsable: the leaf stays undecided
    }
  }
}

const UNPARSABLE = Symbol("unparsable partition value");

function resolvePartitions(plan: Plan, valueOf: (column: BoundColumn) => Scalar | null): Plan {
  switch (plan.kind) {
    case "and":
    case "or":
      return { kind: plan.kind, children: plan.children.map((c) => resolvePartitions(c, valueOf)) };
    case "partition":
      try {
        const leaf = plan.leaf;
        if (leaf.kind === "test") return evaluateTestOnValues(leaf, valueOf) ? KEEP : SKIP;
        return evaluateLeaf(leaf, valueOf) === true ? KEEP : SKIP;
      } catch (err) {
        if (err === UNPARSABLE) return KEEP;
        throw err;
      }
    default:
      return plan;
  }
}

/**
 * A computed condition over partition columns, evaluated on a one-row batch of the partition's
 * values: true when it might be TRUE there. A value that fails to compute (overflow, a bad cast)
 * keeps the file: its rows would fail the same way when read.
 */
function evaluateTestOnValues(leaf: NnfLeaf & { kind: "test" }, valueOf: (column: BoundColumn) => Scalar | null): boolean {
  const columns = leafColumns(leaf);
  const row = new RecordBatch(
    Object.fromEntries(columns.map((c) => [c.path[0]!, partitionVector(valueOf(c), c.type as PrimitiveTypeName, 1).data[0]!])),
  );
  let state: number;
  try {
    state = evaluateTriState({ kind: "test", value: leaf.value }, row)[0]!;
  } catch (err) {
    if (err instanceof LakelogError) return true;
    throw err;
  }
  return leaf.negated ? state === 0 : state === 2;
}

/** Folds decided children: AND skips if any child skips, OR only if all do. */
function simplify(plan: Plan): Plan {
  if (plan.kind !== "and" && plan.kind !== "or") return plan;
  const decisive = plan.kind === "and" ? "skip" : "keep";
  const children: Plan[] = [];
  for (const child of plan.children.map(simplify)) {
    if (child.kind === decisive) return child;
    if (child.kind !== "keep" && child.kind !== "skip") children.push(child);
  }
  if (children.length === 0) return plan.kind === "and" ? KEEP : SKIP;
  return children.length === 1 ? children[0]! : { kind: plan.kind, children };
}

function hasPartitionLeaf(plan: Plan): boolean {
  if (plan.kind === "partition") return true;
  return (plan.kind === "and" || plan.kind === "or") && plan.children.some(hasPartitionLeaf);
}

function statsSkip(plan: Plan, stats: FileStats): boolean {
  switch (plan.kind) {
    case "and":
      return plan.children.some((c) => statsSkip(c, stats));
    case "or":
      return plan.children.every((c) => statsSkip(c, stats));
    case "stats":
      return leafSkips(plan.leaf, plan.column, stats);
    default:
      return plan.kind === "skip";
  }
}

function leafSkips(leaf: NnfLeaf, column: StatsColumn, stats: FileStats): boolean {
  const b = columnBounds(stats, column);
  const allNull = b.nullCount !== undefined && b.nullCount === b.numRecords;
  switch (leaf.kind) {
    case "isNull":
      return b.nullCount === 0;
    case "isNotNull":
      return allNull;
    case "compare":
      return allNull || compareSkips(leaf.op, leaf.value, b.min, b.max, column.type);
    case "in":
      return allNull || leaf.values.every((v) => compareSkips("=", v, b.min, b.max, column.type));
    case "notIn":
      return allNull || notInSkips(leaf.values, b.min, b.max, column.type);
    default:
      return false;
  }
}

const isFloating = (t: PrimitiveTypeName) => t === "float" || t === "double";

/**
 * True when no value in [min, max] satisfies `x op v`. Floats: Parquet-derived stats leave NaN
 * out of min/max while NaN satisfies `>`, `>=` and `!=` (Spark orders NaN above all), so those
 * never skip; `x > NaN` always does. Strings: the max may be a truncated prefix.
 */
export function compareSkips(op: CompareOp, v: Scalar, min: Scalar | undefined, max: Scalar | undefined, type: PrimitiveTypeName): boolean {
  const floating = isFloating(type);
  if (floating && Number.isNaN(v)) return op === ">";
  switch (op) {
    case "=":
      return (min !== undefined && compareScalars(v, min, type) < 0) || aboveMax(v, max, type, true);
    case "<":
      return min !== undefined && compareScalars(min, v, type) >= 0;
    case "<=":
      return min !== undefined && compareScalars(min, v, type) > 0;
    case ">":
      return !floating && aboveMax(v, max, type, false);
    case ">=":
      return !floating && aboveMax(v, max, type, true);
    case "!=":
      return exactSingleValue(min, max, type) && compareScalars(min!, v, type) === 0;
  }
}

/** True when `v` is above (`strict`) or at least (`!strict`) every value the max bound allows. */
function aboveMax(v: Scalar, max: Scalar | undefined, type: PrimitiveTypeName, strict: boolean): boolean {
  if (max === undefined) return false;
  if (type === "string") return isAboveStringMax(v as string, max as string);
  const c = compareScalars(v, max, type);
  return strict ? c > 0 : c >= 0;
}

function exactSingleValue(min: Scalar | undefined, max: Scalar | undefined, type: PrimitiveTypeName): boolean {
  if (min === undefined || max === undefined || isFloating(type) || type === "string") return false;
  return compareScalars(min, max, type) === 0;
}

function notInSkips(values: readonly Scalar[], min: Scalar | undefined, max: Scalar | undefined, type: PrimitiveTypeName): boolean {
  return exactSingleValue(min, max, type) && values.some((v) => compareScalars(v, min!, type) === 0);
}

const compiled = new WeakMap<BoundExpression, { context: SkippingContext; skipper: FileSkipper }>();

/**
 * One-off form of {@link FileSkipper.canSkip}: true only when `file` certainly holds no row
 * matching `expr`. Compiles once per (expression, context object) pair and reuses it.
 */
export function canSkipFile(expr: BoundExpression, file: SkippingFile, context: SkippingContext): boolean {
  let entry = compiled.get(expr);
  if (!entry || entry.context !== context) {
    entry = { context, skipper: new FileSkipper(expr, context) };
    compiled.set(expr, entry);
  }
  return entry.skipper.canSkip(file);
}
