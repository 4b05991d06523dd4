/**
 * The writer side of the protocol: which table features lakelog writes correctly, refusing the
 * rest, and the smallest protocol a table's metadata needs.
 */
import { readTableProperties } from "../log/table-properties.js";
import { UnsupportedFeatureError } from "../errors/log-errors.js";
import type { Metadata, Protocol } from "../log/actions.js";
import { assertReadSupported, SUPPORTED_READER_FEATURES } from "../log/table-features.js";
import { parseSchemaString } from "../schema/parse-schema.js";
import { containsVariant, walkFields, type StructType } from "../schema/types.js";

/** Writer features lakelog honours when it writes. */
export const SUPPORTED_WRITER_FEATURES: ReadonlySet<string> = new Set([
  "appendOnly",
  "invariants",
  "checkConstraints",
  "changeDataFeed",
  "columnMapping",
  "timestampNtz",
  "domainMetadata",
  "inCommitTimestamp",
  "vacuumProtocolCheck",
  "deletionVectors",
  "v2Checkpoint",
  "generatedColumns",
  "identityColumns",
  "typeWidening",
  "typeWidening-preview",
  "rowTracking",
  "clustering",
  "liquid",
  // variants are written unshredded, which a shredding table allows (shredding is optional per file)
  "variantType",
  "variantType-preview",
  "variantShredding",
  "variantShredding-preview",
]);

/**
 * The writer features that are reader-writer features (they go in `readerFeatures` at version 3):
 * those lakelog also reads, since every reader feature is a reader-writer feature.
 */
const READER_WRITER_FEATURES: ReadonlySet<string> = new Set([...SUPPORTED_WRITER_FEATURES].filter((f) => SUPPORTED_READER_FEATURES.has(f)));

/** The preview name of features whose tables may carry the preview instead. */
const PREVIEW_OF: Record<string, string> = {
  typeWidening: "typeWidening-preview",
  variantType: "variantType-preview",
  variantShredding: "variantShredding-preview",
};

/** The features a legacy writer version implies. */
const LEGACY_WRITER: Array<[number, string]> = [
  [2, "appendOnly"],
  [2, "invariants"],
  [3, "checkConstraints"],
  [4, "changeDataFeed"],
  [4, "generatedColumns"],
  [5, "columnMapping"],
  [6, "identityColumns"],
];

/** Every writer feature a protocol requires, explicit (version 7) or implied (legacy versions). */
export function writerFeaturesOf(protocol: Protocol): Set<string> {
  if (protocol.minWriterVersion >= 7) return new Set(protocol.writerFeatures ?? []);
  return new Set(LEGACY_WRITER.filter(([v]) => protocol.minWriterVersion >= v).map(([, f]) => f));
}

/**
 * Throws {@link UnsupportedFeatureError} unless lakelog can write this table without corrupting
 * it: every required writer feature is implemented, or (for legacy generated and identity column
 * support) the schema does not actually use it.
 */
export function assertWriteSupported(protocol: Protocol, metadata: Metadata | undefined, tableUrl: string): void {
  assertReadSupported(protocol, tableUrl);
  if (protocol.minWriterVersion > 7) {
    throw new UnsupportedFeatureError(
      tableUrl,
      "write",
      [`writerVersion ${protocol.minWriterVersion}`],
      `the table requires writer protocol version ${protocol.minWriterVersion}`,
    );
  }
  const schema = metadata?.schemaString ? parseSchemaString(metadata.schemaString) : undefined;
  const missing = [...writerFeaturesOf(protocol)].filter(
    (f) => !SUPPORTED_WRITER_FEATURES.has(f) && !(schema && unusedLegacyFeature(f, schema, protocol)),
  );
  if (missing.length > 0) {
    throw new UnsupportedFeatureError(
      tableUrl,
      "write",
      missing,
      "the table uses writer features lakelog does not implement, so writing could corrupt it",
    );
  }
}

/** Legacy versions 4 and 6 imply generated/identity column support; harmless when no column uses them. */
function unusedLegacyFeature(feature: string, schema: StructType, protocol: Protocol): boolean {
  if (protocol.minWriterVersion >= 7) return false;
  const key =
    feature === "generatedColumns" ? "delta.generationExpression" : feature === "identityColumns" ? "delta.identity.start" : undefined;
  if (!key) return false;
  let used = false;
  walkFields(schema, (field) => {
    if (key in field.metadata) used = true;
  });
  return !used;
}

/** The writer features a table's metadata calls for (from properties and the schema). */
export function featuresRequiredBy(metadata: Metadata, schema: StructType): Set<string> {
  const config = metadata.configuration;
  const properties = readTableProperties(config);
  const features = new Set<string>();
  if (properties.appendOnly) features.add("appendOnly");
  if (Object.keys(config).some((k) => k.startsWith("delta.constraints."))) features.add("checkConstraints");
  if (properties.enableChangeDataFeed) features.add("changeDataFeed");
  if ((config["delta.columnMapping.mode"] ?? "none") !== "none") features.add("columnMapping");
  if (properties.enableInCommitTimestamps) features.add("inCommitTimestamp");
  if (properties.enableDeletionVectors) features.add("deletionVectors");
  // as in Spark, asking for v2 checkpoints enables the feature (checkpoint() writes v2 only with it)
  if (properties.checkpointPolicy === "v2") features.add("v2Checkpoint");
  if (properties.enableTypeWidening) features.add("typeWidening");
  if (containsVariant(schema)) features.add("variantType");
  if (properties.enableVariantShredding) features.add("variantType").add("variantShredding");
  walkFields(schema, (field) => {
    if (field.type === "timestamp_ntz") features.add("timestampNtz");
    if ("delta.invariants" in field.metadata) features.add("invariants");
    if ("delta.generationExpression" in field.metadata) features.add("generatedColumns");
    if ("delta.identity.start" in field.metadata) features.add("identityColumns");
  });
  for (const [key, value] of Object.entries(config)) {
    const m = /^delta\.feature\.(.+)$/.exec(key);
    if (m?.[1] && (value === "supported" || value === "enabled")) features.add(m[1]);
  }
  if (properties.enableRowTracking) features.add("rowTracking");
  // row tracking and clustering keep their state in domain metadata
  if (features.has("rowTracking") || features.has("clustering")) features.add("domainMetadata");
  return features;
}

/**
 * The protocol a table needs for `features`, never below `current` (protocols only go up).
 * Legacy versions are kept while they suffice: (1,2) plain, (1,3) constraints, (1,4) change
 * data feed, (2,5) column mapping; anything else moves to table features (3,7) / (1,7), carrying
 * over the features the legacy versions implied.
 */
export function requiredProtocol(features: Set<string>, current?: Protocol): Protocol {
  // a table on the preview of a feature keeps it (Spark does not move such tables to the stable feature)
  if (current) {
    const writer = writerFeaturesOf(current);
    features = new Set([...features].filter((f) => !(PREVIEW_OF[f] && writer.has(PREVIEW_OF[f]))));
  }
  if (current && coversFeatures(current, features)) return current;
  const needed = new Set([...features, ...(current ? writerFeaturesOf(current) : [])]);
  const legacyOnly = [...needed].every((f) => LEGACY_WRITER.some(([, g]) => g === f));
  const unknown = [...features].filter((f) => !SUPPORTED_WRITER_FEATURES.has(f));
  if (unknown.length > 0)
    throw new UnsupportedFeatureError("(new metadata)", "write", unknown, "the requested table features are not implemented by lakelog");
  if (legacyOnly && (!current || current.minWriterVersion < 7)) {
    const writer = Math.max(2, current?.minWriterVersion ?? 2, ...LEGACY_WRITER.filter(([, f]) => needed.has(f)).map(([v]) => v));
    const reader = Math.max(current?.minReaderVersion ?? 1, needed.has("columnMapping") ? 2 : 1);
    return { minReaderVersion: reader, minWriterVersion: writer };
  }
  if (current && current.minWriterVersion < 7) {
    for (const [v, f] of LEGACY_WRITER) if (current.minWriterVersion >= v) needed.add(f);
  }
  const readerFeatures = [...needed].filter((f) => READER_WRITER_FEATURES.has(f));
  for (const f of current?.readerFeatures ?? []) if (!readerFeatures.includes(f)) readerFeatures.push(f);
  const reader = Math.max(readerFeatures.length > 0 ? 3 : 1, current?.minReaderVersion ?? 1);
  const protocol: Protocol = {
    minReaderVersion: reader,
    minWriterVersion: Math.max(7, current?.minWriterVersion ?? 7),
    writerFeatures: [...needed].sort(),
  };
  if (reader >= 3) protocol.readerFeatures = readerFeatures.sort();
  return protocol;
}

/** True when `protocol` already provides every feature in `features` (as writer and, where needed, reader feature). */
function coversFeatures(protocol: Protocol, features: Set<string>): boolean {
  const writer = writerFeaturesOf(protocol);
  for (const f of features) {
    if (!writer.has(f)) return false;
    if (protocol.minReaderVersion >= 3 && READER_WRITER_FEATURES.has(f) && !(protocol.readerFeatures ?? []).includes(f)) return false;
    if (f === "columnMapping" && protocol.minReaderVersion < 2) return false;
  }
  return true;
}

/** True when `next` asks for more than `current` (a protocol change to commit). */
export function protocolDiffers(current: Protocol, next: Protocol): boolean {
  return JSON.stringify(normalize(current)) !== JSON.stringify(normalize(next));
}

function normalize(p: Protocol): Protocol {
  return {
    minReaderVersion: p.minReaderVersion,
    minWriterVersion: p.minWriterVersion,
    readerFeatures: p.readerFeatures ? [...p.readerFeatures].sort() : undefined,
    writerFeatures: p.writerFeatures ? [...p.writerFeatures].sort() : undefined,
  };
}
