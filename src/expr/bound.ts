/**
 * The bound (resolved and typed) forms of expressions: predicates ({@link BoundExpression}), which
 * evaluate to TRUE/FALSE/NULL per row and which file skipping reasons about, and value
 * expressions ({@link BoundValue}), which evaluate to a typed column. Each may contain the other:
 * a predicate over computed values is a `test` of a boolean value; a boolean value computed by a
 * predicate is a `predicate` value. Plain data, produced by `bind` / `bindValue`.
 */
import type { DataType, PrimitiveTypeName } from "../schema/types.js";
import type { ArithmeticOp, CompareOp } from "./expression.js";
import type { Scalar } from "./values.js";
import type { DateFunctionName } from "./expression.js";

/**
 * A resolved column: the path under which evaluation finds it in the batch (for a single schema,
 * the schema's spelling; for aliased inputs, what the resolver maps it to), its type, and
 * whether it can be null.
 */
export interface BoundColumn {
  readonly path: readonly string[];
  readonly type: DataType;
  /** False only when the field and every enclosing struct are non-nullable. */
  readonly nullable: boolean;
}

/** A resolved column of a primitive type (the only kind comparisons take). */
export interface ScalarColumn extends BoundColumn {
  readonly type: ScalarType;
}

/**
 * A bound predicate. Literals are typed {@link Scalar}s of their column's type; comparisons with a
 * NULL literal are folded to NULL constants; a literal the column type cannot hold exactly has
 * been rewritten to an exactly equivalent comparison. `test` is any other condition (over
 * computed values, LIKE, CASE...): skipping cannot reason about it and keeps the file.
 */
export type BoundExpression =
  | { readonly kind: "constant"; readonly value: boolean | null }
  | { readonly kind: "compare"; readonly op: CompareOp; readonly column: ScalarColumn; readonly value: Scalar }
  | {
      readonly kind: "compareColumns";
      readonly op: CompareOp;
      readonly left: ScalarColumn;
      readonly right: ScalarColumn;
      readonly compareType: ScalarType;
    }
  | { readonly kind: "in"; readonly column: ScalarColumn; readonly values: readonly Scalar[]; readonly hasNull: boolean }
  | { readonly kind: "isNull" | "isNotNull"; readonly column: BoundColumn }
  | { readonly kind: "and" | "or"; readonly children: readonly BoundExpression[] }
  | { readonly kind: "not"; readonly child: BoundExpression }
  | { readonly kind: "test"; readonly value: BoundValue };

/** The type of a value expression: a primitive Delta type, or `null` for an untyped NULL. */
/** A primitive type that values can be compared and computed in (every one but variant). */
export type ScalarType = Exclude<PrimitiveTypeName, "variant">;

export type ValueType = ScalarType | "null";

/** Scalar functions of one or more values (coalesce and cast have their own nodes). */
export type BoundFunction = "lower" | "upper" | "substring" | "abs" | "length" | "trim" | "concat" | DateFunctionName;

/**
 * A bound value expression; every node carries its result `type`. Operands of arithmetic have
 * been cast to the operation's type (for decimals: to decimals, each at its own scale), CASE
 * branches and COALESCE arguments to the common type.
 */
export type BoundValue =
  | { readonly kind: "column"; readonly column: BoundColumn; readonly type: ValueType }
  | { readonly kind: "literal"; readonly value: Scalar | null; readonly type: ValueType }
  | {
      readonly kind: "arithmetic";
      readonly op: ArithmeticOp;
      readonly left: BoundValue;
      readonly right: BoundValue;
      readonly type: ValueType;
      readonly text: string;
    }
  | { readonly kind: "negate"; readonly child: BoundValue; readonly type: ValueType; readonly text: string }
  | { readonly kind: "cast"; readonly child: BoundValue; readonly type: ValueType }
  | {
      readonly kind: "case";
      readonly branches: readonly { when: BoundExpression; then: BoundValue }[];
      readonly otherwise: BoundValue;
      readonly type: ValueType;
    }
  | { readonly kind: "coalesce"; readonly args: readonly BoundValue[]; readonly type: ValueType }
  | {
      readonly kind: "function";
      readonly name: BoundFunction;
      readonly args: readonly BoundValue[];
      readonly type: ValueType;
      readonly text: string;
    }
  | {
      readonly kind: "compare";
      readonly op: CompareOp;
      readonly left: BoundValue;
      readonly right: BoundValue;
      readonly compareType: ValueType;
      readonly type: "boolean";
    }
  | { readonly kind: "like"; readonly value: BoundValue; readonly pattern: BoundValue; readonly escape: string; readonly type: "boolean" }
  | {
      readonly kind: "in";
      readonly value: BoundValue;
      readonly values: readonly Scalar[];
      readonly hasNull: boolean;
      readonly type: "boolean";
    }
  | { readonly kind: "isNull"; readonly child: BoundValue; readonly negated: boolean; readonly type: "boolean" }
  | { readonly kind: "predicate"; readonly predicate: BoundExpression; readonly type: "boolean" };

/** Every column a bound predicate or value reads, each once, in order of appearance. */
export function boundColumnsOf(expr: BoundExpression | BoundValue, isValue = false): BoundColumn[] {
  const seen = new Map<string, BoundColumn>();
  const add = (c: BoundColumn) => seen.has(JSON.stringify(c.path)) || seen.set(JSON.stringify(c.path), c);
  const visitValue = (v: BoundValue): void => {
    switch (v.kind) {
      case "column":
        add(v.column);
        return;
      case "literal":
        return;
      case "arithmetic":
      case "compare":
        visitValue(v.left);
        visitValue(v.right);
        return;
      case "negate":
      case "cast":
      case "isNull":
        visitValue(v.child);
        return;
      case "case":
        for (const b of v.branches) {
          visitPredicate(b.when);
          visitValue(b.then);
        }
        visitValue(v.otherwise);
        return;
      case "coalesce":
      case "function":
        v.args.forEach(visitValue);
        return;
      case "like":
        visitValue(v.value);
        visitValue(v.pattern);
        return;
      case "in":
        visitValue(v.value);
        return;
      case "predicate":
        visitPredicate(v.predicate);
    }
  };
  const visitPredicate = (e: BoundExpression): void => {
    switch (e.kind) {
      case "constant":
        return;
      case "compareColumns":
        add(e.left);
        add(e.right);
        return;
      case "and":
      case "or":
        e.children.forEach(visitPredicate);
        return;
      case "not":
        visitPredicate(e.child);
        return;
      case "test":
        visitValue(e.value);
        return;
      default:
        add(e.column);
    }
  };
  if (isValue) visitValue(expr as BoundValue);
  else visitPredicate(expr as BoundExpression);
  return [...seen.values()];
}
