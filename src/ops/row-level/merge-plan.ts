/**
 * Planning a MERGE without reading the target: the clauses bound against the source and target
 * schemas by alias, the equality keys of the `on` condition (hash join), and the predicate on
 * target columns that prunes target files (the `on` condition's target-only conjuncts, and each
 * key limited to the source's values: `IN (...)` for a few distinct values, else `BETWEEN`).
 */
import type { RecordBatch } from "apache-arrow";
import { InvalidArgumentError } from "../../errors/argument-errors.js";
import { IdentityColumnValueError } from "../../errors/feature-errors.js";
import { bind, type BoundExpression } from "../../expr/bind.js";
import { and, col, lit, type Expression, type LiteralExpression, type LiteralValue } from "../../expr/expression.js";
import { formatExpression } from "../../expr/format.js";
import { parseExpression } from "../../expr/parse.js";
import { readScalar } from "../../expr/read.js";
import { aliasResolver } from "../../expr/resolve.js";
import type { StructField, StructType } from "../../schema/types.js";
import { GENERATION_EXPRESSION_KEY } from "../write/generated-columns.js";
import { isExplicitInsertAllowed, isIdentityField } from "../write/identity-columns.js";
import { bindAssignment, bindAssignments, type Assignment, type SetValue } from "./update.js";

/** A WHEN clause as given to the builder. */
export type MergeClause =
  | { when: "matched"; action: "update"; set?: Readonly<Record<string, SetValue>>; all?: boolean; where?: string | Expression }
  | { when: "matched"; action: "delete"; where?: string | Expression }
  | { when: "notMatched"; action: "insert"; values?: Readonly<Record<string, SetValue>>; all?: boolean; where?: string | Expression }
  | { when: "notMatchedBySource"; action: "update"; set: Readonly<Record<string, SetValue>>; where?: string | Expression }
  | { when: "notMatchedBySource"; action: "delete"; where?: string | Expression };

/** A clause bound: its condition and (update/insert) its assignments. */
export interface BoundClause {
  action: "update" | "delete" | "insert";
  condition?: BoundExpression;
  /** The condition as text (commit parameters). */
  text?: string;
  assignments: Assignment[];
}

/** An equality of the `on` condition between a source and a target column. */
export interface JoinKey {
  source: string;
  target: string;
}

/** Aliases and schemas of a merge. */
export interface MergeInputs {
  sourceAlias: string;
  targetAlias: string;
  source: StructType;
  target: StructType;
}

const parse = (e: string | Expression) => (typeof e === "string" ? parseExpression(e) : e);

/** Binds one clause (conditions and values see the aliases the clause kind allows). */
export function bindClause(clause: MergeClause, inputs: MergeInputs): BoundClause {
  const { sourceAlias: s, targetAlias: t } = inputs;
  const scope =
    clause.when === "matched"
      ? { [s]: inputs.source, [t]: inputs.target }
      : clause.when === "notMatched"
        ? { [s]: inputs.source }
        : { [t]: inputs.target };
  const resolver = aliasResolver(scope);
  const where = clause.where === undefined ? undefined : parse(clause.where);
  const out: BoundClause = {
    action: clause.action,
    assignments: [],
    condition: where && bind(where, resolver),
    text: where && formatExpression(where),
  };
  if (clause.action === "update") {
    // updateAll leaves identity columns as they are (an explicit assignment to one is refused)
    const set = clause.when === "matched" && clause.all ? allFrom(inputs, (f) => !isIdentityField(f)) : stripAlias(clause.set ?? {}, t);
    out.assignments = bindAssignments(set, inputs.target, resolver);
  } else if (clause.action === "insert") {
    // insertAll leaves GENERATED ALWAYS identity columns to the allocator
    const values = clause.all
      ? allFrom(inputs, (f) => !isIdentityField(f) || isExplicitInsertAllowed(f))
      : stripAlias(clause.values ?? {}, t);
    out.assignments = bindInsert(values, inputs, resolver);
  }
  return out;
}

/** `target column ← source.column` for every target column the source has (case-insensitive). */
function allFrom(inputs: MergeInputs, keep: (field: StructField) => boolean = () => true): Record<string, SetValue> {
  const out: Record<string, SetValue> = {};
  for (const field of inputs.target.fields) {
    if (!keep(field)) continue;
    const found = inputs.source.fields.find((f) => f.name.toLowerCase() === field.name.toLowerCase());
    if (found) out[field.name] = col([inputs.sourceAlias, found.name]);
  }
  return out;
}

/** Keys `target.x` written as `x`. */
function stripAlias(set: Readonly<Record<string, SetValue>>, alias: string): Record<string, SetValue> {
  const prefix = `${alias.toLowerCase()}.`;
  return Object.fromEntries(Object.entries(set).map(([k, v]) => [k.toLowerCase().startsWith(prefix) ? k.slice(prefix.length) : k, v]));
}

/** Insert values: every target column gets one (NULL when not given). */
function bindInsert(values: Record<string, SetValue>, inputs: MergeInputs, resolver: ReturnType<typeof aliasResolver>): Assignment[] {
  const given = new Map(Object.entries(values).map(([k, v]) => [k.toLowerCase(), v]));
  for (const name of given.keys()) {
    if (!inputs.target.fields.some((f) => f.name.toLowerCase() === name))
      throw new InvalidArgumentError(
        `values.${name}`,
        name,
        `a column of the target (${inputs.target.fields.map((f) => f.name).join(", ")})`,
      );
  }
  const out: Assignment[] = [];
  inputs.target.fields.forEach((field, index) => {
    // a generated column without a value is computed from the inserted row (applyAssignments)
    if (!given.has(field.name.toLowerCase()) && GENERATION_EXPRESSION_KEY in field.metadata) return;
    // an identity column without a value gets the next ones (insertRows); ALWAYS takes no value
    if (isIdentityField(field)) {
      if (!given.has(field.name.toLowerCase())) return;
      if (!isExplicitInsertAllowed(field)) throw new IdentityColumnValueError(field.name);
    }
    const givenValue = given.get(field.name.toLowerCase());
    // a struct, array, map or variant column without a value stays NULL (the inserted row starts all NULL)
    if (givenValue === undefined && (typeof field.type !== "string" || field.type === "variant")) return;
    out.push(bindAssignment(index, field, givenValue ?? null, resolver, `values.${field.name}`));
  });
  return out;
}

/** The conjuncts of an expression (its AND children, flattened). */
function conjuncts(e: Expression): Expression[] {
  return e.kind === "and" ? e.children.flatMap(conjuncts) : [e];
}

/** Which alias a column path names (`undefined` when not qualified by one). */
function aliasOf(path: readonly string[], inputs: MergeInputs): "source" | "target" | undefined {
  if (path.length !== 2) return undefined;
  const first = path[0]!.toLowerCase();
  if (first === inputs.sourceAlias.toLowerCase()) return "source";
  if (first === inputs.targetAlias.toLowerCase()) return "target";
  return undefined;
}

/** The equality keys of `on` between a source and a target top-level column (qualified by alias). */
export function joinKeys(on: Expression, inputs: MergeInputs): JoinKey[] {
  const keys: JoinKey[] = [];
  const name = (schema: StructType, n: string) =>
    schema.fields.find((f) => f.name === n)?.name ?? schema.fields.find((f) => f.name.toLowerCase() === n.toLowerCase())?.name;
  for (const c of conjuncts(on)) {
    if (c.kind !== "compare" || c.op !== "=" || c.left.kind !== "column" || c.right.kind !== "column") continue;
    const [a, b] = [aliasOf(c.left.path, inputs), aliasOf(c.right.path, inputs)];
    const [sp, tp] =
      a === "source" && b === "target" ? [c.left.path, c.right.path] : a === "target" && b === "source" ? [c.right.path, c.left.path] : [];
    if (!sp || !tp) continue;
    const source = name(inputs.source, sp[1]!);
    const target = name(inputs.target, tp[1]!);
    if (source && target) keys.push({ source, target });
  }
  return keys;
}

/** The most distinct source values turned into `IN (...)`; beyond, `BETWEEN min AND max`. */
export const MAX_IN_VALUES = 64;

/**
 * A predicate on target columns that every target row matching some source row satisfies:
 * target-only `column op literal` conjuncts of `on`, and for each key the source's values.
 * Undefined when nothing limits the target.
 */
export function pruningPredicate(
  on: Expression,
  keys: readonly JoinKey[],
  sourceBatches: readonly RecordBatch[],
  inputs: MergeInputs,
): Expression | undefined {
  const parts: Expression[] = [];
  for (const c of conjuncts(on)) {
    if (c.kind !== "compare") continue;
    if (c.left.kind === "column" && c.right.kind === "literal" && aliasOf(c.left.path, inputs) === "target")
      parts.push({ ...c, left: { kind: "column", path: [c.left.path[1]!] } });
    if (c.right.kind === "column" && c.left.kind === "literal" && aliasOf(c.right.path, inputs) === "target")
      parts.push({ ...c, right: { kind: "column", path: [c.right.path[1]!] } });
  }
  for (const key of keys) {
    const bounds = sourceValues(sourceBatches, key.source);
    if (bounds === undefined) continue;
    if (bounds.values.length === 0) return lit(false);
    if (bounds.distinct)
      parts.push({ kind: "in", value: { kind: "column", path: [key.target] }, list: bounds.values.map((v): LiteralExpression => lit(v)) });
    else parts.push(col(key.target).between(bounds.min!, bounds.max!));
  }
  return parts.length === 0 ? undefined : and(...parts);
}

/** The non-null values of a source column (distinct when few), or min and max; undefined for types not handled. */
function sourceValues(
  batches: readonly RecordBatch[],
  name: string,
): { values: LiteralValue[]; distinct: boolean; min?: number | bigint | string; max?: number | bigint | string } | undefined {
  const seen = new Set<number | bigint | string>();
  let min: number | bigint | string | undefined;
  let max: number | bigint | string | undefined;
  for (const batch of batches) {
    const data = batch.getChild(name)?.data;
    if (!data) return undefined;
    for (const d of data) {
      for (let i = 0; i < d.length; i++) {
        const v = readScalar(d, i);
        if (v === null) continue;
        if (typeof v !== "number" && typeof v !== "bigint" && typeof v !== "string") return undefined;
        if (typeof v === "number" && !Number.isFinite(v)) return undefined;
        if (seen.size <= MAX_IN_VALUES) seen.add(v);
        if (min === undefined || v < min) min = v;
        if (max === undefined || v > max) max = v;
      }
    }
  }
  return seen.size <= MAX_IN_VALUES ? { values: [...seen], distinct: true } : { values: [min!], distinct: false, min, max };
}
