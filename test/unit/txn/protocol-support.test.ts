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

describe("v2 checkpoint enablement", () => {
  it.each(["v2", "V2", " v2 "])("delta.checkpointPolicy = %j requires the v2Checkpoint reader-writer feature", (value) => {
    const features = featuresRequiredBy(metadataWith({ "delta.checkpointPolicy": value }), parseSchemaString(SIMPLE_SCHEMA));
    expect([...features]).toEqual(["v2Checkpoint"]);
    expect(requiredProtocol(features)).toEqual({
      minReaderVersion: 3,
      minWriterVersion: 7,
      readerFeatures: ["v2Checkpoint"],
      writerFeatures: ["v2Checkpoint"],
    });
  });

  it("delta.checkpointPolicy = classic requires nothing, and a malformed policy is refused typed", () => {
    expect(featuresRequiredBy(metadataWith({ "delta.checkpointPolicy": "classic" }), parseSchemaString(SIMPLE_SCHEMA)).size).toBe(0);
    const metadata = metadataWith({ "delta.checkpointPolicy": "v3" });
    expect(() => featuresRequiredBy(metadata, parseSchemaString(SIMPLE_SCHEMA))).toThrow(InvalidTablePropertyError);
  });
});
