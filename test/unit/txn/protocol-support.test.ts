import { describe, expect, it } from "vitest";
import { InvalidTablePropertyError } from "../../../src/errors/log-errors.js";
import type { Metadata } from "../../../src/log/actions.js";
import { parseSchemaString } from "../../../src/schema/parse-schema.js";
import { featuresRequiredBy, requiredProtocol } from "../../../src/txn/protocol-support.js";
import { nameMaterializedRowTrackingColumns } from "../../../src/txn/row-tracking.js";
import { SIMPLE_SCHEMA } from "../../helpers/log-builder.js";

const metadataWith = (configuration: Record<string, string>): Metadata => ({
  id: "t",
  format: { provider: "parquet", options: {} },
  schemaString: SIMPLE_SCHEMA,
  partitionColumns: [],
  configuration,
});

describe("row tracking enablement", () => {
  it.each(["true", "TRUE", " True "])("reads delta.enableRowTracking = %j with Spark's boolean rules", (value) => {
    const features = featuresRequiredBy(metadataWith({ "delta.enableRowTracking": value }), parseSchemaString(SIMPLE_SCHEMA));
    expect([...features].sort()).toEqual(["domainMetadata", "rowTracking"]);
    expect(requiredProtocol(features).writerFeatures).toEqual(["domainMetadata", "rowTracking"]);
    const properties: Record<string, string> = { "delta.enableRowTracking": value };
    nameMaterializedRowTrackingColumns(properties);
    expect(properties["delta.rowTracking.materializedRowIdColumnName"]).toMatch(/^_row-id-col-/);
  });

  it("refuses a malformed value typed instead of leaving row tracking off", () => {
    const metadata = metadataWith({ "delta.enableRowTracking": "yes" });
    expect(() => featuresRequiredBy(metadata, parseSchemaString(SIMPLE_SCHEMA))).toThrow(InvalidTablePropertyError);
  });
});

describe("reader-writer features", () => {
  it("puts exactly the reader-writer features in readerFeatures", () => {
    const protocol = requiredProtocol(new Set(["deletionVectors", "columnMapping", "changeDataFeed", "v2Checkpoint"]));
    expect(protocol.readerFeatures).toEqual(["columnMapping", "deletionVectors", "v2Checkpoint"]);
    expect(protocol.writerFeatures).toEqual(["changeDataFeed", "columnMapping", "deletionVectors", "v2Checkpoint"]);
  });
});
