/**
 * The Arrow form of a variant column: `Struct<metadata: Binary, value: Binary>` (both children
 * non-null), its field marked with Arrow's canonical extension name `arrow.parquet.variant` in
 * the field metadata, so a schema says which structs are variants (a table written from a scan of
 * a variant table gets variant columns again). Pure.
 */
import type { Data } from "apache-arrow";
import { Binary, type DataType, Field, makeData, Struct, Type } from "apache-arrow";

/** Field metadata key of Arrow extension types. */
export const EXTENSION_NAME_KEY = "ARROW:extension:name";
/** Arrow's canonical extension name for Parquet variants. */
export const VARIANT_EXTENSION_NAME = "arrow.parquet.variant";

/** The storage type of a variant column: `Struct<metadata: Binary, value: Binary>`. */
export function variantStorageType(): Struct {
  return new Struct([new Field("metadata", new Binary(), false), new Field("value", new Binary(), false)]);
}

/** An Arrow field for a variant column (the extension name in its metadata). */
export function variantField(name: string, nullable: boolean): Field {
  return new Field(name, variantStorageType(), nullable, new Map([[EXTENSION_NAME_KEY, VARIANT_EXTENSION_NAME]]));
}

/** True when the field carries the variant extension name (any apache-arrow copy's field fits). */
export function isVariantField(field: { readonly metadata?: ReadonlyMap<string, string> | null }): boolean {
  return field.metadata?.get(EXTENSION_NAME_KEY) === VARIANT_EXTENSION_NAME;
}

/** True when some field of `fields`, at any depth, is a variant. */
export function hasVariantField(fields: readonly Field[]): boolean {
  return fields.some((f) => isVariantField(f) || hasVariantField((f.type.children ?? []) as Field[]));
}

/** The child of a struct type named `name` (its position), or -1. */
export function childIndex(type: DataType, name: string): number {
  if (type.typeId !== Type.Struct) return -1;
  return (type.children as Field[]).findIndex((f) => f.name === name);
}

/** Binary data from byte arrays (`undefined` = null). */
export function binaryData(values: ReadonlyArray<Uint8Array | undefined>): Data<Binary> {
  const offsets = new Int32Array(values.length + 1);
  let total = 0;
  for (let i = 0; i < values.length; i++) offsets[i + 1] = total += values[i]?.length ?? 0;
  const bytes = new Uint8Array(total);
  let nulls = 0;
  const validity = new Uint8Array(((values.length + 63) & ~63) >> 3);
  // index loops, not forEach: `values` may be sparse (holes are nulls)
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === undefined) nulls++;
    else {
      bytes.set(v, offsets[i]!);
      validity[i >> 3]! |= 1 << (i & 7);
    }
  }
  return makeData({
    type: new Binary(),
    length: values.length,
    nullCount: nulls,
    nullBitmap: nulls > 0 ? validity : undefined,
    valueOffsets: offsets,
    data: bytes,
  });
}

/**
 * Variant column data of `type` (a {@link variantStorageType}) from per-row pairs; a row whose
 * pair is undefined (or a hole of a sparse array) is a null variant (its children hold empty bytes).
 */
export function variantData(type: DataType, rows: ReadonlyArray<{ metadata: Uint8Array; value: Uint8Array } | undefined>): Data {
  const empty = new Uint8Array(0);
  const fields = type.children as Field[];
  const dense = Array.from({ length: rows.length }, (_, i) => rows[i]);
  const children = fields.map((f) => binaryData(dense.map((r) => (r ? (f.name === "metadata" ? r.metadata : r.value) : empty))));
  let nulls = 0;
  const validity = new Uint8Array(((rows.length + 63) & ~63) >> 3);
  dense.forEach((r, i) => {
    if (r === undefined) nulls++;
    else validity[i >> 3]! |= 1 << (i & 7);
  });
  return makeData({ type: type as Struct, length: rows.length, nullCount: nulls, nullBitmap: nulls > 0 ? validity : undefined, children });
}
