/**
 * Negation normal form for skipping: NOT pushed down to the leaves by De Morgan and operator
 * inversion, each step exact under SQL three-valued logic (NOT of NULL is NULL, and so is the
 * inverted comparison of a NULL). Without NOT above AND/OR, "can any row make this TRUE?" is
 * monotone: AND fails if one child fails, OR only if all do.
 */
import { InternalError } from "../errors/argument-errors.js";
import { applyOp, type BoundColumn, type BoundExpression, type BoundValue, NEGATED, type ScalarColumn } from "./bind.js";
import { boundColumnsOf } from "./bound.js";
import { compareScalars, type Scalar } from "./values.js";

/**
 * A leaf of the normal form: a bound leaf, `column NOT IN (values)` (no NULL in the list), or a
 * condition over computed values (`test`, possibly negated), which skipping does not reason about.
 */
export type NnfLeaf =
  | Extract<BoundExpression, { kind: "constant" | "compare" | "compareColumns" | "in" | "isNull" | "isNotNull" }>
  | { readonly kind: "notIn"; readonly column: ScalarColumn; readonly values: readonly Scalar[] }
  | { readonly kind: "test"; readonly value: BoundValue; readonly negated?: boolean };

/** A predicate in negation normal form. */
export type NnfExpression =
  | NnfLeaf
  | { readonly kind: "and"; readonly children: readonly NnfExpression[] }
  | { readonly kind: "or"; readonly children: readonly NnfExpression[] };

/** Converts a bound predicate (negated when `negate`) to negation normal form. */
export function toNnf(e: BoundExpression, negate = false): NnfExpression {
  switch (e.kind) {
    case "constant":
      return negate ? { kind: "constant", value: e.value === null ? null : !e.value } : e;
    case "compare":
    case "compareColumns":
      return negate ? { ...e, op: NEGATED[e.op] } : e;
    case "isNull":
    case "isNotNull":
      return negate ? { kind: e.kind === "isNull" ? "isNotNull" : "isNull", column: e.column } : e;
    case "in":
      if (!negate) return e;
      // NOT (x IN (..., NULL)) is never TRUE: FALSE on a match, NULL otherwise.
      return e.hasNull ? { kind: "constant", value: null } : { kind: "notIn", column: e.column, values: e.values };
    case "not":
      return toNnf(e.child, !negate);
    case "test":
      return negate ? { kind: "test", value: e.value, negated: true } : e;
    case "and":
    case "or": {
      const kind = (e.kind === "and") !== negate ? "and" : "or";
      return { kind, children: e.children.map((c) => toNnf(c, negate)) };
    }
  }
}

/** The columns a leaf reads. */
export function leafColumns(leaf: NnfLeaf): BoundColumn[] {
  switch (leaf.kind) {
    case "constant":
      return [];
    case "compareColumns":
      return [leaf.left, leaf.right];
    case "test":
      return boundColumnsOf(leaf.value, true);
    default:
      return [leaf.column];
  }
}

/**
 * Evaluates a leaf exactly on one row whose values `valueOf` gives (null for NULL): TRUE, FALSE
 * or NULL. Used for partition values, which are exact per file.
 */
export function evaluateLeaf(leaf: NnfLeaf, valueOf: (column: BoundColumn) => Scalar | null): boolean | null {
  switch (leaf.kind) {
    case "test":
      throw new InternalError("a computed condition cannot be evaluated from partition values alone");
    case "constant":
      return leaf.value;
    case "isNull":
    case "isNotNull":
      return (valueOf(leaf.column) === null) === (leaf.kind === "isNull");
    case "compare": {
      const v = valueOf(leaf.column);
      return v === null ? null : applyOp(leaf.op, compareScalars(v, leaf.value, leaf.column.type));
    }
    case "compareColumns": {
      const a = valueOf(leaf.left);
      const b = valueOf(leaf.right);
      return a === null || b === null ? null : applyOp(leaf.op, compareScalars(a, b, leaf.compareType));
    }
    case "in":
    case "notIn": {
      const v = valueOf(leaf.column);
      if (v === null) return null;
      const found = leaf.values.some((x) => compareScalars(v, x, leaf.column.type) === 0);
      if (leaf.kind === "notIn") return !found;
      return found ? true : leaf.hasNull ? null : false;
    }
  }
}
