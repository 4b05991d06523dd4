/**
 * The row check of variant columns being written: every non-null variant must carry a metadata
 * and a value that decode as the Parquet Variant encoding, so no writer leaves bytes in a table
 * that other engines cannot read. Pure.
 */
import { type Data, makeVector } from "apache-arrow";
import { isValidAt } from "../../arrow/data.js";
import { SchemaMismatchError } from "../../errors/schema-errors.js";
import { MalformedVariantError } from "../../errors/variant-errors.js";
import { decodeVariant } from "../../variant/index.js";

/**
 * Checks rows of a variant column: `struct` the column (its validity), `metadata` and `value` its
 * children already cast to Binary. Throws {@link SchemaMismatchError} for a non-null row with a
 * null metadata or value, {@link MalformedVariantError} (naming the column and row) for bytes that
 * do not decode. Cost: one decode per row.
 */
export function checkVariantRows(struct: Data, metadata: Data, value: Data, column: string): void {
  const metadataBytes = makeVector(metadata);
  const valueBytes = makeVector(value);
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
      decodeVariant(m, v);
    } catch (err) {
      if (err instanceof MalformedVariantError) throw new MalformedVariantError(`${column} row ${i}: ${err.where}`, err.detail);
      throw err;
    }
  }
}
