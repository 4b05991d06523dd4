/**
 * Column paths in messages and results: a field path is the list of names from the top-level
 * column down (`["a", "b"]`), with `element`, `key` and `value` for the insides of arrays and maps.
 */

/** A path as text: `a.b.element`; names that are not plain identifiers in backticks (`` `x.y`.z ``). */
export function formatFieldPath(path: readonly string[]): string {
  return path.map((name) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `\`${name.replaceAll("`", "``")}\``)).join(".");
}
