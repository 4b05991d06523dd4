/**
 * # variant — the Parquet Variant type
 *
 * Owns the variant binary encoding (`encode.ts`, `decode.ts`: JS values ⇄ `{metadata, value}`
 * bytes), the Arrow form of a variant column (`arrow.ts`: a `Struct<metadata, value>` field
 * marked `arrow.parquet.variant`), and the reconstruction of shredded variants read from Parquet
 * (`shredding.ts`). Knows nothing of Delta: the scan and the write pipeline call it.
 * Pure: no I/O.
 */
export { EXTENSION_NAME_KEY, VARIANT_EXTENSION_NAME, hasVariantField, isVariantField, variantField, variantStorageType } from "./arrow.js";
export { decodeVariant, parseMetadata, validateVariant, variantToJson, type DecodeVariantOptions, type VariantMetadata } from "./decode.js";
export { encodeVariant } from "./encode.js";
export { unshredColumn } from "./shredding.js";
export { EncodedVariant, VariantDate, VariantDecimal, VariantTime, VariantTimestamp, VariantUuid, type VariantValue } from "./values.js";
