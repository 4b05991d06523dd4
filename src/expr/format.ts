/**
 * Writes expressions as text that `parseExpression` reads back to an equivalent expression: the
 * serialised form for logs (`commitInfo` predicates), messages and the CLI.
 */
import { KEYWORDS } from "./parse.js";
import type { Expression, LiteralValue } from "./expression.js";

/** A column path as predicate text: plain names bare, others in backticks. */
export function formatColumnPath(path: readonly string[]): string {
  return path
    .map((name) =>
      /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !KEYWORDS.has(name.toUpperCase()) ? name : `\`${name.replaceAll("`", "``")}\``,
    )
    .join(".");
}

/** A literal value as predicate text (`'it''s'`, `42`, `TIMESTAMP '2024-01-01T00:00:00.000Z'`, `X'00ff'`). */
export function formatLiteral(value: LiteralValue, text?: string): string {
  if (value === null) return "NULL";
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") {
    if (text !== undefined) return text;
    return Number.isFinite(value) ? String(value) : `'${String(value)}'`;
  }
  // Backslashes are doubled: the parser reads `\\` as one (and `\'` as a quote).
  if (typeof value === "string") return `'${value.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "'Invalid Date'" : `TIMESTAMP '${value.toISOString()}'`;
  return `X'${Array.from(value, (b) => b.toString(16).padStart(2, "0")).join("")}'`;
}

/** Binding strength of each form's text: a child weaker than its slot needs parentheses. */
function precedence(e: Expression): number {
  switch (e.kind) {
    case "or":
      return e.children.length === 0 ? 8 : 1;
    case "and":
      return e.children.length === 0 ? 8 : 2;
    case "not":
      return 3;
    case "compare":
    case "in":
    case "isNull":
    case "isNotNull":
    case "like":
      return 4;
    case "concat":
      return 5;
    case "arithmetic":
      return e.op === "+" || e.op === "-" ? 5 : 6;
    case "negate":
      return 7;
    default:
      return 8;
  }
}

function at(e: Expression, level: number): string {
  const text = formatExpression(e);
  return precedence(e) < level ? `(${text})` : text;
}

/**
 * Renders an expression as text that {@link parseExpression} reads back to the same tree,
 * parenthesising only where precedence needs it (from weakest: OR, AND, NOT, comparisons and
 * other predicates, `+ - ||`, `* / %`, unary minus); NOT always shows its operand in parentheses.
 *
 * @example
 * formatExpression(and(col("part").eq("a"), col("id").ge(10))); // "part = 'a' AND id >= 10"
 */
export function formatExpression(expr: Expression): string {
  switch (expr.kind) {
    case "column":
      return formatColumnPath(expr.path);
    case "literal":
      return formatLiteral(expr.value, expr.text);
    case "compare":
      return `${at(expr.left, 5)} ${expr.op} ${at(expr.right, 5)}`;
    case "and":
      if (expr.children.length === 0) return "TRUE";
      return expr.children.map((c) => at(c, 3)).join(" AND ");
    case "or":
      if (expr.children.length === 0) return "FALSE";
      return expr.children.map((c) => at(c, 2)).join(" OR ");
    case "not":
      return `NOT (${formatExpression(expr.child)})`;
    case "in":
      return `${at(expr.value, 5)} IN (${expr.list.map((l) => formatLiteral(l.value, l.text)).join(", ")})`;
    case "isNull":
      return `${at(expr.child, 5)} IS NULL`;
    case "isNotNull":
      return `${at(expr.child, 5)} IS NOT NULL`;
    case "like": {
      const escape = expr.escape === undefined ? "" : ` ESCAPE ${formatLiteral(expr.escape)}`;
      return `${at(expr.value, 5)} LIKE ${at(expr.pattern, 5)}${escape}`;
    }
    case "concat":
      return `${at(expr.left, 5)} || ${at(expr.right, 6)}`;
    case "arithmetic": {
      const level = precedence(expr);
      return `${at(expr.left, level)} ${expr.op} ${at(expr.right, level + 1)}`;
    }
    case "negate": {
      // A bare number after '-' would read back as a negative literal, and `--` starts a comment
      // in SQL: keep such operands in parentheses.
      const child = expr.child.kind === "literal" || expr.child.kind === "negate" ? `(${formatExpression(expr.child)})` : at(expr.child, 7);
      return `-${child}`;
    }
    case "case": {
      const parts = ["CASE"];
      if (expr.operand) parts.push(formatExpression(expr.operand));
      for (const b of expr.branches) parts.push("WHEN", formatExpression(b.when), "THEN", formatExpression(b.then));
      if (expr.otherwise) parts.push("ELSE", formatExpression(expr.otherwise));
      parts.push("END");
      return parts.join(" ");
    }
    case "call":
      return `${expr.name}(${expr.args.map(formatExpression).join(", ")})`;
    case "cast":
      return `cast(${formatExpression(expr.child)} AS ${expr.type})`;
  }
}
