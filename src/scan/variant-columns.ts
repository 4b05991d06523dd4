/**
 * The per-file step that gives every reader one form of variant columns: shredded variants
 * (`struct<metadata, value, typed_value>`, apache/parquet-format VariantShredding.md) are rebuilt
 * into the unshredded `{metadata, value}` struct before the batch is converted to the plan's
 * types. Files without variant columns, or whose variants are unshredded, pass through untouched.
 */
import { type Data, type Field, RecordBatch, Schema, Struct, makeData } from "apache-arrow";
import { normalizeBatch } from "../arrow/cast.js";
import { hasVariantField, unshredColumn } from "../variant/index.js";

const hasVariants = new WeakMap<Schema, boolean>();

/**
 * A batch as read from the data file `file`, in `schema` (physical names and the Arrow types of
 * the table): shredded variants rebuilt (`src/variant/shredding.ts`), then every column converted
 * with `normalizeBatch`. Throws what those throw: `MalformedVariantError`, `UnsupportedFeatureError`
 * (naming `variantShredding`) for a shredded type lakelog cannot rebuild, `ParquetCastError`.
 */
export function physicalBatch(raw: RecordBatch, schema: Schema, file: string): RecordBatch {
  let has = hasVariants.get(schema);
  if (has === undefined) hasVariants.set(schema, (has = hasVariantField(schema.fields)));
  return normalizeBatch(has ? unshredBatch(raw, schema, file) : raw, schema);
}

function unshredBatch(raw: RecordBatch, schema: Schema, file: string): RecordBatch {
  const targets = new Map(schema.fields.map((f) => [f.name, f]));
  let changed = false;
  const columns = raw.schema.fields.map((f, i) => {
    const data = raw.data.children[i] as Data;
    const target = targets.get(f.name);
    const next = target ? unshredColumn(data, target, file) : data;
    if (next !== data) changed = true;
    return next;
  });
  if (!changed) return raw;
  const fields = raw.schema.fields.map((f, i) => (columns[i]!.type === f.type ? f : (f.clone({ type: columns[i]!.type }) as Field)));
  const struct = makeData({ type: new Struct(fields), length: raw.numRows, nullCount: 0, children: columns });
  return new RecordBatch(new Schema(fields, raw.schema.metadata), struct);
}
