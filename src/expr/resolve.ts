/**
 * Column resolution for binding: how a column name in an expression becomes a
 * {@link BoundColumn} (its type, and the path under which evaluation finds it in a batch).
 * One schema, or several inputs by alias (a merge binds `source.x` and `target.x`).
 */
import { AmbiguousColumnError, UnknownColumnError } from "../errors/expression-errors.js";
import type { DataType, StructField, StructType } from "../schema/types.js";
import type { BoundColumn } from "./bound.js";
import { formatColumnPath } from "./format.js";

/**
 * Resolves column paths as written (`["x"]`, `["source", "x"]`, `["s", "inner"]`) to bound
 * columns. Throws {@link UnknownColumnError} or {@link AmbiguousColumnError}.
 */
export interface ColumnResolver {
  resolve(path: readonly string[]): BoundColumn;
}

/** What `bind` and `bindValue` resolve columns against: one schema, or a resolver. */
export type BindInput = StructType | ColumnResolver;

/** The resolver of a bind input. */
export function resolverOf(input: BindInput): ColumnResolver {
  return "fields" in input ? schemaResolver(input) : input;
}

/** Resolves a dotted path through structs, case-insensitively (exact spelling first), to the schema's spelling. */
export function resolveColumn(path: readonly string[], schema: StructType): BoundColumn {
  let struct: StructType | undefined = schema;
  let type: DataType = schema;
  let nullable = false;
  const resolved: string[] = [];
  for (let k = 0; k < path.length; k++) {
    const name = path[k]!;
    const field: StructField | undefined =
      struct?.fields.find((f) => f.name === name) ?? struct?.fields.find((f) => f.name.toLowerCase() === name.toLowerCase());
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

/** Resolves against one schema: the bound path is the schema's spelling of the path. */
export function schemaResolver(schema: StructType): ColumnResolver {
  return { resolve: (path) => resolveColumn(path, schema) };
}

/** Options of {@link aliasResolver}. */
export interface AliasResolverOptions {
  /**
   * Where evaluation finds column `path` (schema spelling) of input `alias` in the batch it is
   * given. Default `[alias, ...path]`: the batch holds one struct column per alias.
   */
  columnPath?: (alias: string, path: readonly string[]) => string[];
}

/**
 * Resolves against several inputs by alias, as a merge binds its `on` condition and clauses:
 * `alias.x` names column `x` of that input (aliases match case-insensitively); an unqualified
 * `x` is looked up in every input and must be found in exactly one
 * ({@link AmbiguousColumnError} otherwise).
 *
 * @example
 * const resolver = aliasResolver({ source: sourceSchema, target: table.schema });
 * const on = bind(parseExpression("source.id = target.id"), resolver);
 * // evaluate over a batch with struct columns `source` and `target`
 */
export function aliasResolver(inputs: Readonly<Record<string, StructType>>, options: AliasResolverOptions = {}): ColumnResolver {
  const aliases = Object.keys(inputs);
  const place = options.columnPath ?? ((alias: string, path: readonly string[]) => [alias, ...path]);
  const bound = (alias: string, column: BoundColumn): BoundColumn => ({ ...column, path: place(alias, column.path) });
  return {
    resolve(path) {
      const first = path[0]!;
      const alias = aliases.find((a) => a === first) ?? aliases.find((a) => a.toLowerCase() === first.toLowerCase());
      if (alias !== undefined && path.length > 1) return bound(alias, resolveColumn(path.slice(1), inputs[alias]!));
      const found: { alias: string; column: BoundColumn }[] = [];
      let lastError: unknown;
      for (const a of aliases) {
        try {
          found.push({ alias: a, column: resolveColumn(path, inputs[a]!) });
        } catch (err) {
          lastError = err;
        }
      }
      if (found.length === 1) return bound(found[0]!.alias, found[0]!.column);
      if (found.length > 1)
        throw new AmbiguousColumnError(
          formatColumnPath(path),
          found.map((f) => f.alias),
        );
      if (aliases.length === 1 && lastError) throw lastError;
      const available = aliases.flatMap((a) => inputs[a]!.fields.map((f) => `${a}.${formatColumnPath([f.name])}`));
      throw new UnknownColumnError(formatColumnPath(path), available);
    },
  };
}
