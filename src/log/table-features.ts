/**
 * The protocol versions and table features lakelog implements. A table that needs anything else
 * is refused at load with {@link UnsupportedFeatureError}, never misread.
 */
import { UnsupportedFeatureError } from "../errors/log-errors.js";
import type { Protocol } from "./actions.js";

/** Reader features this library reads correctly. */
export const SUPPORTED_READER_FEATURES: ReadonlySet<string> = new Set([
  "columnMapping",
  "deletionVectors",
  "timestampNtz",
  "v2Checkpoint",
  "vacuumProtocolCheck",
  "typeWidening",
  "typeWidening-preview",
  "variantType",
  "variantType-preview",
  // shredded variant files are rebuilt to the unshredded form by the scan (src/variant/shredding.ts)
  "variantShredding",
  "variantShredding-preview",
]);

/** Highest reader version understood (3 = table features). */
export const MAX_READER_VERSION = 3;

/** Throws {@link UnsupportedFeatureError} unless every reader requirement of `protocol` is supported. */
export function assertReadSupported(protocol: Protocol, tableUrl: string): void {
  if (protocol.minReaderVersion > MAX_READER_VERSION || protocol.minReaderVersion < 1) {
    throw new UnsupportedFeatureError(
      tableUrl,
      "read",
      [`readerVersion ${protocol.minReaderVersion}`],
      `the table requires reader protocol version ${protocol.minReaderVersion}; lakelog reads versions 1 to ${MAX_READER_VERSION}`,
    );
  }
  if (protocol.minReaderVersion === 3) {
    const missing = (protocol.readerFeatures ?? []).filter((f) => !SUPPORTED_READER_FEATURES.has(f));
    if (missing.length > 0) {
      throw new UnsupportedFeatureError(tableUrl, "read", missing, "the table uses reader features lakelog does not implement");
    }
  }
}

/** True when the protocol declares `feature` (as a reader or writer feature at versions 3/7). */
export function hasFeature(protocol: Protocol, feature: string): boolean {
  return (protocol.readerFeatures ?? []).includes(feature) || (protocol.writerFeatures ?? []).includes(feature);
}
