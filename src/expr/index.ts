/**
 * # expr — the expression language
 *
 * SQL-like expressions used for scan filters, `replaceWhere`, CHECK constraints, generated
 * columns, and the conditions and values of delete / update / merge (grammar and typing rules:
 * spec/expressions.md). In the order an expression is used:
 * - `lex.ts`, `parse.ts` → the tree of `expression.ts` (also built with `col`, `lit`, `and`, ...);
 *   `format.ts` prints it back; parse errors point at the offending token;
 * - `bind.ts`, `bind-value.ts`, `resolve.ts`, `typing.ts`, `coerce.ts`: resolve columns against a
 *   schema (or several, by alias, for merge) and give every node its Spark result type;
 * - `evaluate.ts` (with `kernels.ts`, `evaluate-value.ts`, `arithmetic.ts`, `functions.ts`,
 *   `date-functions.ts`, `cast-value.ts`, `vectors.ts`, `read.ts`, `values.ts`, `time.ts`):
 *   vectorised evaluation over Arrow batches — three-valued predicates and value columns;
 * - `skipping.ts`, `stats.ts`, `nnf.ts`: which files a predicate can skip from their statistics
 *   and partition values (never skipping a file that might match);
 * - `partition-values.ts`: parsing and serialising partition values.
 *
 * Depends on `schema`, `log` (file index, for skipping), `arrow`, `util`, `errors`.
 */
export { aliasResolver, bind, bindValue, type BindInput, type BoundExpression, type BoundValue, type ColumnResolver } from "./bind.js";
export { evaluate, evaluateTriState, evaluateValue } from "./evaluate.js";
export { and, col, lit, not, or, referencedColumns, type Expression, type LiteralValue } from "./expression.js";
export { formatExpression } from "./format.js";
export { parseExpression } from "./parse.js";
export { FileSkipper } from "./skipping.js";
