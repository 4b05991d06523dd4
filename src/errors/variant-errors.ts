/**
 * Errors about variant values (`src/variant/`): bytes that are not a valid Parquet Variant
 * encoding. A JS value that cannot be encoded is an `InvalidArgumentError`; a shredded layout
 * lakelog cannot reconstruct is an `UnsupportedFeatureError` naming `variantShredding`.
 */
import { LakelogError } from "./base.js";

/**
 * Variant `metadata` / `value` bytes that do not follow the Parquet Variant binary encoding: a
 * wrong version, an offset or field id out of bounds, a truncated value, an unknown type id.
 * `where` says which part (e.g. `value at byte 12`, `metadata`); `detail` what is wrong.
 */
export class MalformedVariantError extends LakelogError {
  readonly code = "MALFORMED_VARIANT";
  constructor(
    readonly where: string,
    readonly detail: string,
  ) {
    super(
      `malformed variant: ${where}: ${detail} (the bytes are not a Parquet Variant encoding; rewrite the value with a conforming writer)`,
    );
  }
}
