/**
 * The row check of variant columns being written: every non-null variant must carry a metadata
 * and a value that decode as the Parquet Variant encoding, so no writer leaves bytes in a table
 * that other engines cannot read. Pure.
 */
import { type Data, makeVector } from "apache-arrow";
import { isValidAt } from "../../arrow/data.js";
import { SchemaMismatchError } from "../../errors/schema-errors.js";
import { MalformedVariantError } from "../../errors/variant-errors.js";
import { parseMetadata, validateVariant, type VariantMetadata } from "../../variant/index.js";

/**
 * Checks rows of a variant column: `struct` the column (its validity), `metadata` and `value` its
 * children already cast to Binary. Throws {@link SchemaMismatchError} for a non-null row with a
 * null metadata or value, {@link MalformedVariantError} (naming the column and row) for bytes that
 * do not decode. Cost: one walk of each value (no JS values built), one parse per distinct dictionary run.
 */
export function checkVariantRows(struct: Data, metadata: Data, value: Data, column: string): void {
  const metadataBytes = makeVector(metadata);
  const valueBytes = makeVector(value);
  // rows of one writer usually share their dictionary: parse it once while the bytes repeat
  let lastBytes: Uint8Array | undefined;
  let dictionary: VariantMetadata | undefined;
  for (let i = 0; i < struct.length; i++) {
    if (!isValidAt(struct, i)) continue;
    const m = metadataBytes.get(i) as Uint8Array | null;
    const v = valueBytes.get(i) as Uint8Array | null;
    if (m === null || v === null) {
      throw new SchemaMismatchError(
        column,
        "variant",
        `a null ${m === null ? "metadata" : "value"}`,
        `row ${i}: a non-null variant needs both metadata and value`,
      );
    }
    try {
      if (!dictionary || !sameBytes(lastBytes!, m)) {
        dictionary = parseMetadata(m);
        lastBytes = m;
      }
      validateVariant(dictionary, v);
    } catch (err) {
      if (err instanceof MalformedVariantError) throw new MalformedVariantError(`${column} row ${i}: ${err.where}`, err.detail);
      throw err;
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
