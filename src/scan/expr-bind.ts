/**
 * Binding: resolving an expression's columns against a table schema (case-insensitively, like
 * Spark) and converting its literals to the columns' types. The bound form is what row
 * evaluation and file skipping work on.
 */
import { InvalidExpressionError, UnknownColumnError } from "../errors/expression-errors.js";
import { decimalParts, type DataType, type PrimitiveTypeName, type StructField, type StructType, typeToString } from "../schema/types.js";
import { coerceLiteral } from "./expr-coerce.js";
import { formatColumnPath, formatExpression } from "./expr-format.js";
import { compareDoubles, compareScalars, compareStrings, type Scalar } from "./expr-values.js";
import type { CompareOp, Expression, LiteralExpression, Operand } from "./expression.js";

/** A resolved column: its path with the schema's spelling, its type, and whether it can be null. */
export interface BoundColumn {
  readonly path: readonly string[];
  readonly type: DataType;
  /** False only when the field and every enclosing struct are non-nullable. */
  readonly nullable: boolean;
}

/** A resolved column of a primitive type (the only kind comparisons take). */
export interface ScalarColumn extends BoundColumn {
  readonly type: PrimitiveTypeName;
}

/**
 * A bound predicate. Literals are typed {@link Scalar}s of their column's type; comparisons with a
 * NULL literal are folded to NULL constants; a literal the column type cannot hold exactly has
 * been rewritten to an exactly equivalent comparison.
 */
export type BoundExpression =
  | { readonly kind: "constant"; readonly value: boolean | null }
  | { readonly kind: "compare"; readonly op: CompareOp; readonly column: ScalarColumn; readonly value: Scalar }
  | { readonly kind: "compareColumns"; readonly op: CompareOp; readonly left: ScalarColumn; readonly right: ScalarColumn; readonly compareType: PrimitiveTypeName }
  | { readonly kind: "in"; readonly column: ScalarColumn; readonly values: readonly Scalar[]; readonly hasNull: boolean }
  | { readonly kind: "isNull" | "isNotNull"; readonly column: BoundColumn }
  | { readonly kind: "and" | "or"; readonly children: readonly BoundExpression[] }
  | { readonly kind: "not"; readonly child: BoundExpression };

/** `a op b` ⇔ `b flip(op) a`. */
export const FLIPPED: Record<CompareOp, CompareOp> = { "=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<=" };

/** `NOT (a op b)` ⇔ `a negate(op) b` (for non-null operands, under Spark's total order with NaN largest). */
export const NEGATED: Record<CompareOp, CompareOp> = { "=": "!=", "!=": "=", "<": ">=", "<=": ">", ">": "<=", ">=": "<" };

/**
 * Resolves `expr` against `schema` and types its literals.
 * Throws {@link UnknownColumnError} for a column the schema lacks, {@link IncompatibleLiteralError}
 * for a literal that does not fit its column, {@link InvalidExpressionError} for comparisons that
 * make no sense (a struct compared, a string column used as a condition).
 *
 * @example
 * const bound = bind(parseExpression("part = 'a' AND id >= 10"), snapshot.schema);
 */
export function bind(expr: Expression, schema: StructType): BoundExpression {
  switch (expr.kind) {
    case "literal":
      if (expr.value === null || typeof expr.value === "boolean") return constant(expr.value);
      throw new InvalidExpressionError(formatExpression(expr), "a condition must be boolean");
    case "column": {
      const column = resolveColumn(expr.path, schema);
      if (column.type !== "boolean") throw new InvalidExpressionError(formatExpression(expr), `a condition must be boolean, the column is ${typeToString(column.type)}`);
      return { kind: "compare", op: "=", column: column as ScalarColumn, value: true };
    }
    case "compare":
      return bindCompare(expr.op, expr.left, expr.right, schema);
    case "in":
      return bindIn(expr.value, expr.list, schema);
    case "isNull":
    case "isNotNull": {
      if (expr.child.kind === "literal") return constant((expr.child.value === null) === (expr.kind === "isNull"));
      return { kind: expr.kind, column: resolveColumn(expr.child.path, schema) };
    }
    case "and":
    case "or":
      return combine(expr.kind, expr.children.map((c) => bind(c, schema)));
    case "not": {
      const child = bind(expr.child, schema);
      if (child.kind === "constant") return constant(child.value === null ? null : !child.value);
      return { kind: "not", child };
    }
  }
}

function constant(value: boolean | null): BoundExpression {
  return { kind: "constant", value };
}

/** AND/OR with constant folding (FALSE absorbs AND, TRUE absorbs OR; the neutral one drops). */
export function combine(kind: "and" | "or", input: readonly BoundExpression[]): BoundExpression {
  const absorbing = kind === "or";
  const children: BoundExpression[] = [];
  for (const c of input) {
    if (c.kind === "constant" && c.value === absorbing) return constant(absorbing);
    if (c.kind === "constant" && c.value === !absorbing) continue;
    if (c.kind === kind) children.push(...c.children);
    else children.push(c);
  }
  if (children.length === 0) return constant(!absorbing);
  return children.length === 1 ? children[0]! : { kind, children };
}

/** Resolves a dotted path through structs, case-insensitively. */
export function resolveColumn(path: readonly string[], schema: StructType): BoundColumn {
  let struct: StructType | undefined = schema;
  let type: DataType = schema;
  let nullable = false;
  const resolved: string[] = [];
  for (let k = 0; k < path.length; k++) {
    const name = path[k]!;
    const field: StructField | undefined = struct?.fields.find((f) => f.name === name) ?? struct?.fields.find((f) => f.name.toLowerCase() === name.toLowerCase());
    if (!field) {
      const where = struct ? struct.fields.map((f) => formatColumnPath([...resolved, f.name])) : [];
      throw new UnknownColumnError(formatColumnPath(path), where);
    }
    resolved.push(field.name);
    type = field.type;
    nullable ||= field.nullable;
    struct = typeof type === "object" && type.type === "struct" ? type : undefined;
  }
  return { path: resolved, type, nullable };
}

function scalarColumn(operand: Operand & { kind: "column" }, schema: StructType, context: string): ScalarColumn {
  const column = resolveColumn(operand.path, schema);
  if (typeof column.type !== "string" || column.type === "variant") {
    throw new InvalidExpressionError(context, `column ${formatColumnPath(column.path)} of type ${typeToString(column.type)} cannot be compared`);
  }
  return column as ScalarColumn;
}

function bindCompare(op: CompareOp, left: Operand, right: Operand, schema: StructType): BoundExpression {
  const text = () => formatExpression({ kind: "compare", op, left, right });
  if (left.kind === "literal" && right.kind === "column") return bindCompare(FLIPPED[op], right, left, schema);
  if (left.kind === "literal" && right.kind === "literal") return constant(compareLiterals(op, left, right, text));
  if (left.kind !== "column") throw new InvalidExpressionError(text(), "unreachable operand");
  const column = scalarColumn(left, schema, text());
  if (right.kind === "column") {
    const other = scalarColumn(right, schema, text());
    return { kind: "compareColumns", op, left: column, right: other, compareType: commonType(column, other, text) };
  }
  if (right.value === null) return constant(null);
  const { value, exact } = coerceLiteral(right, column.type, formatColumnPath(column.path));
  return exact ? { kind: "compare", op, column, value } : inexactCompare(op, column, value);
}

/**
 * `c op v` where v is not representable in c's type and `floor` is v rounded toward −∞ in it:
 * every value x of the type has x < v ⇔ x ≤ floor and x > v ⇔ x > floor, and never x = v.
 */
function inexactCompare(op: CompareOp, column: ScalarColumn, floor: Scalar): BoundExpression {
  const cmp = (o: CompareOp): BoundExpression => ({ kind: "compare", op: o, column, value: floor });
  switch (op) {
    case "<":
    case "<=":
      return cmp("<=");
    case ">":
    case ">=":
      return cmp(">");
    case "=": // FALSE for every value, NULL for NULL
      return { kind: "and", children: [cmp("<"), cmp(">")] };
    case "!=": // TRUE for every value, NULL for NULL
      return { kind: "or", children: [cmp("<="), cmp(">")] };
  }
}

function bindIn(value: Operand, list: readonly LiteralExpression[], schema: StructType): BoundExpression {
  if (value.kind === "literal") {
    return combine("or", list.map((item) => bindCompare("=", value, item, schema)));
  }
  const text = formatExpression({ kind: "in", value, list });
  const column = scalarColumn(value, schema, text);
  const values: Scalar[] = [];
  let hasNull = false;
  for (const item of list) {
    if (item.value === null) {
      hasNull = true;
      continue;
    }
    const coerced = coerceLiteral(item, column.type, formatColumnPath(column.path));
    if (coerced.exact) values.push(coerced.value); // an inexact value equals no value of the type
  }
  return { kind: "in", column, values, hasNull };
}

const INTEGRAL = new Set<string>(["byte", "short", "integer", "long"]);
const NUMERIC = new Set<string>([...INTEGRAL, "float", "double"]);

function commonType(a: ScalarColumn, b: ScalarColumn, text: () => string): PrimitiveTypeName {
  if (a.type === b.type) return a.type;
  if (INTEGRAL.has(a.type) && INTEGRAL.has(b.type)) return "long";
  if (NUMERIC.has(a.type) && NUMERIC.has(b.type)) return "double";
  if (decimalParts(a.type) && decimalParts(b.type)) return a.type;
  throw new InvalidExpressionError(text(), `cannot compare ${a.type} with ${b.type}`);
}

function compareLiterals(op: CompareOp, a: LiteralExpression, b: LiteralExpression, text: () => string): boolean | null {
  const x = a.value;
  const y = b.value;
  if (x === null || y === null) return null;
  let c: number;
  if ((typeof x === "number" || typeof x === "bigint") && (typeof y === "number" || typeof y === "bigint")) {
    const anyNaN = Number.isNaN(Number(x)) || Number.isNaN(Number(y));
    c = anyNaN || (typeof x === "number" && typeof y === "number") ? compareDoubles(Number(x), Number(y)) : compareScalars(x, y, "long");
  } else if (typeof x === "string" && typeof y === "string") c = compareStrings(x, y);
  else if (typeof x === "boolean" && typeof y === "boolean") c = x === y ? 0 : x ? 1 : -1;
  else throw new InvalidExpressionError(text(), "literals of different kinds cannot be compared without a column");
  return applyOp(op, c);
}

/** The truth of `a op b` given `compare(a, b)`. */
export function applyOp(op: CompareOp, c: number): boolean {
  switch (op) {
    case "=":
      return c === 0;
    case "!=":
      return c !== 0;
    case "<":
      return c < 0;
    case "<=":
      return c <= 0;
    case ">":
      return c > 0;
    case ">=":
      return c >= 0;
  }
}
