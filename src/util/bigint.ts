/** Integer helpers for `bigint` values (int64 columns, time units, decimal scaling). Pure. */

/** Floor division for bigints: rounds toward −∞, unlike `/`, which truncates toward zero. */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}
