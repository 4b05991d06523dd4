/**
 * The scan layer's predicate language: a small, typed, serialisable expression tree with a
 * fluent builder. Expressions name columns by logical name (dotted paths into structs) and are
 * plain data: `JSON.stringify` shows them, `structuredClone` copies them, and
 * {@link formatExpression} writes text that {@link parseExpression} (in `expr-parse.ts`) reads back.
 *
 * Literal values and the column types they fit (checked and converted by `bind`):
 * - `byte`, `short`, `integer`: number, bigint, or numeric text. A fraction compares exactly
 *   (`id > 2.5` is `id >= 3`; `id = 2.5` matches nothing).
 * - `long`: bigint, a safe-integer number, or numeric text (numbers past 2^53 are refused: pass a bigint).
 * - `float`, `double`: number (NaN and ±Infinity allowed), bigint, or numeric text (`'NaN'`).
 *   For `float` the literal is rounded to the nearest 32-bit float first, so `f = 0.1` matches 0.1f.
 * - `decimal(p,s)`: decimal text (`'12.50'`, exact), bigint, or number (read as its shortest
 *   decimal form, `0.1` → 0.1). Compared exactly at any scale.
 * - `string`: string only (`part = 1` is refused on a string column: quote it).
 * - `binary`: Uint8Array, or a string (its UTF-8 bytes).
 * - `boolean`: boolean, or `'true'`/`'false'`.
 * - `date`: `'YYYY-MM-DD'`, a timestamp text, or a `Date` (its UTC day; a time of day compares
 *   exactly: `d < '2024-01-01T12:00Z'` includes 2024-01-01).
 * - `timestamp`: `Date`, ISO-8601 text (`'2024-01-01T10:00:00.123456Z'`, `'+02:00'` offsets; no
 *   zone means UTC; a date alone means midnight), or bigint microseconds since the epoch.
 *   Plain numbers are refused (milliseconds or microseconds would be a guess).
 * - `timestamp_ntz`: the same; text is a wall-clock time (a written zone is converted to UTC).
 * - `null` with any type: comparisons with NULL are NULL (select nothing); use `isNull`.
 *
 * In value expressions (arithmetic, CASE, functions) a literal has its own type unless its
 * context gives one: integers are `integer` (or `long`, then `decimal(p,0)`, when larger),
 * numbers with a point are exact `decimal(p,s)`, with an exponent `double`; strings are `string`
 * but take the type of the other side where one is needed (`d > '2024-01-01'`, `coalesce(d, '2024-01-01')`).
 * The grammar is described in spec/expressions.md.
 */
import type { PrimitiveTypeName } from "../schema/types.js";
import { ExpressionParseError } from "../errors/expression-errors.js";

/** A literal value as users write it; `bind` converts it to the column's type. */
export type LiteralValue = null | boolean | number | bigint | string | Date | Uint8Array;

/** Comparison operators. */
export type CompareOp = "=" | "!=" | "<" | "<=" | ">" | ">=";

/** A column, by logical path: `["a", "b"]` is field `b` of struct column `a`. */
export interface ColumnExpression {
  readonly kind: "column";
  readonly path: readonly string[];
}

/** A literal. `text` keeps the digits of a number as written, so decimals and longs stay exact. */
export interface LiteralExpression {
  readonly kind: "literal";
  readonly value: LiteralValue;
  readonly text?: string;
}

/** Either side of a comparison. */
export type Operand = ColumnExpression | LiteralExpression;

/** `left op right`; either side any value expression (a column or a literal in the simple, fast case). */
export interface CompareExpression {
  readonly kind: "compare";
  readonly op: CompareOp;
  readonly left: Expression;
  readonly right: Expression;
}

/** Conjunction: TRUE if all children are, FALSE if any is, else NULL. */
export interface AndExpression {
  readonly kind: "and";
  readonly children: readonly Expression[];
}

/** Disjunction: TRUE if any child is, FALSE if all are, else NULL. */
export interface OrExpression {
  readonly kind: "or";
  readonly children: readonly Expression[];
}

/** Negation: NOT NULL is NULL. */
export interface NotExpression {
  readonly kind: "not";
  readonly child: Expression;
}

/** `value IN (list...)`: true if equal to one; NULL if not and the list holds NULL (SQL). */
export interface InExpression {
  readonly kind: "in";
  readonly value: Expression;
  readonly list: readonly LiteralExpression[];
}

/** `child IS NULL` / `child IS NOT NULL`: never NULL itself. */
export interface NullCheckExpression {
  readonly kind: "isNull" | "isNotNull";
  readonly child: Expression;
}

/** Arithmetic operators (`%` is the remainder, with the dividend's sign). */
export type ArithmeticOp = "+" | "-" | "*" | "/" | "%";

/** `left op right` over numbers; NULL if either side is. */
export interface ArithmeticExpression {
  readonly kind: "arithmetic";
  readonly op: ArithmeticOp;
  readonly left: Expression;
  readonly right: Expression;
}

/** Unary minus. */
export interface NegateExpression {
  readonly kind: "negate";
  readonly child: Expression;
}

/** `left || right`: string concatenation (NULL if either side is). */
export interface ConcatExpression {
  readonly kind: "concat";
  readonly left: Expression;
  readonly right: Expression;
}

/** `value LIKE pattern [ESCAPE 'c']`: `%` matches any run of characters, `_` one character. */
export interface LikeExpression {
  readonly kind: "like";
  readonly value: Expression;
  readonly pattern: Expression;
  /** The escape character (default backslash, as in Spark). */
  readonly escape?: string;
}

/** One `WHEN ... THEN ...` arm of a CASE. */
export interface CaseBranch {
  readonly when: Expression;
  readonly then: Expression;
}

/**
 * `CASE WHEN c THEN v ... [ELSE e] END`, or the simple form `CASE x WHEN v THEN r ... END`
 * (`operand` set: each `when` is compared with it by `=`). Without ELSE the result is NULL.
 */
export interface CaseExpression {
  readonly kind: "case";
  readonly operand?: Expression;
  readonly branches: readonly CaseBranch[];
  readonly otherwise?: Expression;
}

/** Date and time functions (`date-functions.ts`), named here so the tree types need no evaluator import. */
export type DateFunctionName = "year" | "month" | "day" | "hour" | "to_date";

/** Date functions by the names the parser accepts (evaluated in date-functions.ts). */
export const DATE_FUNCTIONS: Readonly<Record<string, DateFunctionName>> = {
  year: "year",
  month: "month",
  day: "day",
  dayofmonth: "day",
  hour: "hour",
  to_date: "to_date",
};

/** Function names the language knows (lower case). */
export type FunctionName = "coalesce" | "lower" | "upper" | "substring" | "abs" | "length" | "trim" | "concat" | DateFunctionName;

/** A function call, e.g. `coalesce(a, b, 0)`, `substring(s, 2, 3)`. */
export interface CallExpression {
  readonly kind: "call";
  readonly name: FunctionName;
  readonly args: readonly Expression[];
}

/** Types `cast` converts to: the Delta primitive type names (`decimal(p,s)` included), binary too. */
export type CastTypeName = Exclude<PrimitiveTypeName, "variant">;

/** `cast(child AS type)`: ANSI semantics (an impossible conversion is an error, not NULL). */
export interface CastExpression {
  readonly kind: "cast";
  readonly child: Expression;
  readonly type: CastTypeName;
}

/**
 * An expression: a predicate or a value. As a predicate (filters, conditions), a boolean column or
 * literal may stand alone (`flag` means `flag = true`), and evaluation follows SQL's three-valued
 * logic: a row is selected only when the predicate is TRUE (not FALSE, not NULL). As a value
 * (`set` expressions of updates), any form yields a typed column; see `bindValue`.
 */
export type Expression =
  | Operand
  | CompareExpression
  | AndExpression
  | OrExpression
  | NotExpression
  | InExpression
  | NullCheckExpression
  | ArithmeticExpression
  | NegateExpression
  | ConcatExpression
  | LikeExpression
  | CaseExpression
  | CallExpression
  | CastExpression;

/** The value side of a builder comparison: a literal value or another column. */
export type ComparandValue = LiteralValue | ColumnExpression | LiteralExpression;

function operand(v: ComparandValue): Operand {
  if (v !== null && typeof v === "object" && "kind" in v && (v.kind === "column" || v.kind === "literal")) return v;
  return lit(v as LiteralValue);
}

/**
 * A column reference with fluent comparison methods. It is itself a {@link ColumnExpression}
 * (methods live on the prototype; the data is `{ kind, path }`).
 *
 * @example
 * col("id").gt(5);
 * col("d").in(["2024-01-01", "2024-01-02"]);
 * col("a.b").isNull();
 */
export class ColumnRef implements ColumnExpression {
  readonly kind = "column" as const;
  readonly path: readonly string[];

  constructor(path: readonly string[]) {
    this.path = [...path];
  }

  private compare(op: CompareOp, value: ComparandValue): CompareExpression {
    return { kind: "compare", op, left: { kind: "column", path: this.path }, right: operand(value) };
  }

  /** `column = value` */
  eq(value: ComparandValue): CompareExpression {
    return this.compare("=", value);
  }
  /** `column != value` */
  ne(value: ComparandValue): CompareExpression {
    return this.compare("!=", value);
  }
  /** `column < value` */
  lt(value: ComparandValue): CompareExpression {
    return this.compare("<", value);
  }
  /** `column <= value` */
  le(value: ComparandValue): CompareExpression {
    return this.compare("<=", value);
  }
  /** `column > value` */
  gt(value: ComparandValue): CompareExpression {
    return this.compare(">", value);
  }
  /** `column >= value` */
  ge(value: ComparandValue): CompareExpression {
    return this.compare(">=", value);
  }
  /** `column IN (values...)` */
  in(values: readonly LiteralValue[]): InExpression {
    return { kind: "in", value: { kind: "column", path: this.path }, list: values.map(lit) };
  }
  /** `NOT (column IN (values...))` */
  notIn(values: readonly LiteralValue[]): NotExpression {
    return not(this.in(values));
  }
  /** `column >= low AND column <= high` */
  between(low: ComparandValue, high: ComparandValue): AndExpression {
    return { kind: "and", children: [this.ge(low), this.le(high)] };
  }
  /** `column IS NULL` */
  isNull(): NullCheckExpression {
    return { kind: "isNull", child: { kind: "column", path: this.path } };
  }
  /** `column IS NOT NULL` */
  isNotNull(): NullCheckExpression {
    return { kind: "isNotNull", child: { kind: "column", path: this.path } };
  }
}

/**
 * A column by logical name. A string is split at dots (`"a.b"` is field `b` of `a`); quote a
 * name containing dots in backticks (`` "`a.b`.c" ``) or pass the path as an array.
 */
export function col(name: string | readonly string[]): ColumnRef {
  return new ColumnRef(typeof name === "string" ? splitColumnPath(name) : name);
}

/** A literal. */
export function lit(value: LiteralValue): LiteralExpression {
  return { kind: "literal", value };
}

/** Conjunction; `and()` is TRUE, `and(x)` is `x`. */
export function and(...children: Expression[]): Expression {
  if (children.length === 0) return lit(true);
  if (children.length === 1) return children[0]!;
  return { kind: "and", children };
}

/** Disjunction; `or()` is FALSE, `or(x)` is `x`. */
export function or(...children: Expression[]): Expression {
  if (children.length === 0) return lit(false);
  if (children.length === 1) return children[0]!;
  return { kind: "or", children };
}

/** Negation (NOT NULL is NULL). */
export function not(child: Expression): NotExpression {
  return { kind: "not", child };
}

/**
 * Splits a dotted column path; backticks quote a segment (two backticks stand for one).
 * Throws {@link ExpressionParseError} on an unterminated quote or an empty segment.
 */
export function splitColumnPath(text: string): string[] {
  const parts: string[] = [];
  let i = 0;
  for (;;) {
    let segment = "";
    if (text[i] === "`") {
      i++;
      for (;;) {
        if (i >= text.length) throw new ExpressionParseError(text, i, "a closing backtick in the column path", "end of input");
        if (text[i] === "`") {
          if (text[i + 1] !== "`") break;
          i++;
        }
        segment += text[i++];
      }
      i++;
    } else {
      while (i < text.length && text[i] !== ".") segment += text[i++];
      if (segment === "")
        throw new ExpressionParseError(
          text,
          i,
          "a column name (segments of a column path cannot be empty)",
          i < text.length ? `'${text[i]}'` : "end of input",
        );
    }
    parts.push(segment);
    if (i >= text.length) return parts;
    if (text[i] !== ".") throw new ExpressionParseError(text, i, "'.' between column path segments", `'${text[i]}'`);
    i++;
  }
}

/** The direct sub-expressions of `e`, in textual order. */
export function childExpressions(e: Expression): Expression[] {
  switch (e.kind) {
    case "column":
    case "literal":
      return [];
    case "compare":
    case "arithmetic":
    case "concat":
      return [e.left, e.right];
    case "and":
    case "or":
      return [...e.children];
    case "not":
    case "negate":
    case "cast":
    case "isNull":
    case "isNotNull":
      return [e.child];
    case "in":
      return [e.value, ...e.list];
    case "like":
      return [e.value, e.pattern];
    case "case":
      return [...(e.operand ? [e.operand] : []), ...e.branches.flatMap((b) => [b.when, b.then]), ...(e.otherwise ? [e.otherwise] : [])];
    case "call":
      return [...e.args];
  }
}

/**
 * Every column the expression names, each once, in order of first appearance (qualified names
 * such as `source.x` are listed as written: `["source", "x"]`).
 */
export function referencedColumns(expr: Expression): string[][] {
  const seen = new Map<string, string[]>();
  const visit = (e: Expression): void => {
    if (e.kind === "column") {
      const key = JSON.stringify(e.path);
      if (!seen.has(key)) seen.set(key, [...e.path]);
      return;
    }
    childExpressions(e).forEach(visit);
  };
  visit(expr);
  return [...seen.values()];
}
