/**
 * Writes expressions as predicate text that `parseExpression` reads back to an equivalent
 * expression: the serialised form for logs (`commitInfo` predicates), messages and the CLI.
 */
import { KEYWORDS } from "./expr-parse.js";
import type { Expression, LiteralValue, Operand } from "./expression.js";

/** A column path as predicate text: plain names bare, others in backticks. */
export function formatColumnPath(path: readonly string[]): string {
  return path
    .map((name) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !KEYWORDS.has(name.toUpperCase()) ? name : `\`${name.replaceAll("`", "``")}\``))
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
  if (typeof value === "string") return `'${value.replaceAll("'", "''")}'`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "'Invalid Date'" : `TIMESTAMP '${value.toISOString()}'`;
  return `X'${Array.from(value, (b) => b.toString(16).padStart(2, "0")).join("")}'`;
}

function formatOperand(o: Operand): string {
  return o.kind === "column" ? formatColumnPath(o.path) : formatLiteral(o.value, o.text);
}

/**
 * Renders an expression as predicate text, parenthesising only where precedence needs it
 * (NOT binds tighter than AND, AND tighter than OR).
 *
 * @example
 * formatExpression(and(col("part").eq("a"), col("id").ge(10))); // "part = 'a' AND id >= 10"
 */
export function formatExpression(expr: Expression): string {
  switch (expr.kind) {
    case "column":
    case "literal":
      return formatOperand(expr);
    case "compare":
      return `${formatOperand(expr.left)} ${expr.op} ${formatOperand(expr.right)}`;
    case "and":
      if (expr.children.length === 0) return "TRUE";
      return expr.children.map((c) => (c.kind === "or" ? `(${formatExpression(c)})` : formatExpression(c))).join(" AND ");
    case "or":
      if (expr.children.length === 0) return "FALSE";
      return expr.children.map((c) => (c.kind === "and" ? `(${formatExpression(c)})` : formatExpression(c))).join(" OR ");
    case "not":
      return `NOT (${formatExpression(expr.child)})`;
    case "in":
      return `${formatOperand(expr.value)} IN (${expr.list.map((l) => formatLiteral(l.value, l.text)).join(", ")})`;
    case "isNull":
      return `${formatOperand(expr.child)} IS NULL`;
    case "isNotNull":
      return `${formatOperand(expr.child)} IS NOT NULL`;
  }
}
