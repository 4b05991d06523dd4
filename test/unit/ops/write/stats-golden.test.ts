/**
 * The statistics this writer computes, compared with those Spark wrote for the same data: each
 * data file of a Spark-written table is read back, its rows fed to the collector with the table's
 * settings at the time of the write, and the JSON compared with `add.stats` character for
 * character. Spark wrote timestamps in its session zone (`…-08:00`); those are compared after
 * moving them to UTC (`…Z`), which is what this writer writes.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as nodePath from "node:path";
import { describe, expect, it } from "vitest";
import { normalizeBatch } from "../../../../src/arrow/cast.js";
import { parquetWasm } from "../../../../src/engine/index.js";
import type { AddFile, Metadata } from "../../../../src/log/actions.js";
import { decodePath } from "../../../../src/log/file-paths.js";
import { fileSchemaOf } from "../../../../src/ops/write/physical.js";
import { FileStatsCollector } from "../../../../src/ops/write/stats.js";
import { dataFieldsOf, statsPlanFor } from "../../../../src/ops/write/stats-columns.js";
import { timestampText } from "../../../../src/ops/write/stats-json.js";
import { columnMappingMode } from "../../../../src/schema/column-mapping.js";
import { parseSchemaString } from "../../../../src/schema/parse-schema.js";
import { parseTimestampText, timestampToMicros } from "../../../../src/expr/time.js";
import { HAS_SHARED, SHARED, SKIP_REASON, sharedStore } from "../../engine/fixtures.js";

interface GoldenFile {
  add: AddFile;
  metadata: Metadata;
  protocolHasDv: boolean;
}

/** Every add with stats in a table's JSON commits, with the metadata in force when it was written. */
function addsOf(table: string): GoldenFile[] {
  const log = nodePath.join(SHARED, table, "_delta_log");
  const out: GoldenFile[] = [];
  let metadata: Metadata | undefined;
  let protocolHasDv = false;
  for (const name of readdirSync(log)
    .filter((n) => /^\d{20}\.json$/.test(n))
    .sort()) {
    for (const line of readFileSync(nodePath.join(log, name), "utf8").split("\n")) {
      if (!line.trim()) continue;
      const action = JSON.parse(line) as { metaData?: Metadata; add?: AddFile; protocol?: { writerFeatures?: string[] } };
      if (action.metaData) metadata = action.metaData;
      if (action.protocol) protocolHasDv = action.protocol.writerFeatures?.includes("deletionVectors") ?? false;
      if (action.add?.stats && !action.add.deletionVector && metadata) out.push({ add: action.add, metadata, protocolHasDv });
    }
  }
  return out;
}

/** Spark's session-zone timestamps moved to UTC, the form this writer uses. */
function timestampsToUtc(stats: string): string {
  return stats.replace(/"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})([+-]\d\d:\d\d)"/g, (_, wall: string, zone: string) => {
    return `"${timestampText(timestampToMicros(parseTimestampText(wall + zone)!), true)}"`;
  });
}

async function ourStats(table: string, file: GoldenFile): Promise<string> {
  const { metadata } = file;
  const schema = parseSchemaString(metadata.schemaString);
  const mode = columnMappingMode(metadata.configuration);
  const plan = statsPlanFor(schema, {
    partitionColumns: metadata.partitionColumns,
    columnMappingMode: mode,
    configuration: metadata.configuration,
    tightBounds: file.protocolHasDv,
  });
  const target = fileSchemaOf(dataFieldsOf(schema, metadata.partitionColumns), mode);
  const collector = new FileStatsCollector(plan);
  for await (const batch of parquetWasm.read(sharedStore(), `${table}/${decodePath(file.add.path)}`)) {
    collector.add(normalizeBatch(batch, target));
  }
  return collector.toJson();
}

const TABLES = [
  "delta-golden/data-skipping-basic-stats-all-types/delta",
  "delta-golden/data-skipping-basic-stats-all-types-columnmapping-name/delta",
  "delta-golden/data-skipping-basic-stats-all-types-columnmapping-id/delta",
  "delta-golden/data-skipping-change-stats-collected-across-versions/delta",
  "delta-golden/data-skipping-partition-and-data-column/delta",
  "delta-golden/data-reader-timestamp_ntz/delta",
  "delta-golden/basic-decimal-table/delta",
  "delta-golden/basic-decimal-table-legacy/delta",
  "delta-golden/kernel-timestamp-timestamp_micros/delta",
  "delta-golden/parquet-all-types/delta",
  "delta-tables/delta-1.2.1-only-struct-stats",
  "delta-tables/simple_table_with_cdc",
  "delta-tables/table-without-dv-small",
  "delta-tables/table-with-dv-small",
  "delta-golden/dv-partitioned-with-checkpoint/delta",
  "delta-tables/table_with_liquid_clustering",
];

/**
 * Files whose stats differ for a known, accepted reason. Delta 1.2.1 wrote no statistics for a
 * column the written DataFrame lacked (`new_column`, added by an earlier commit); Delta 3 writes
 * its null count as the row count (`StatisticsCollection`: a column outside the data schema gets
 * `count(*)`), and so does this writer, whose batches always hold every table column.
 */
const KNOWN_DIFFERENCES = new Set([
  "part-00000-8e0aefe1-6645-4601-ac29-68cba64023b5-c000.snappy.parquet",
  "part-00000-e1262b3e-2959-4910-aea9-4eaf92f0c68c-c000.snappy.parquet",
]);

describe.skipIf(!HAS_SHARED)(`stats equal Spark's for the same data (${HAS_SHARED ? "shared tables" : SKIP_REASON})`, () => {
  it.each(TABLES)("%s", async (table) => {
    const files = addsOf(table);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      if (KNOWN_DIFFERENCES.has(file.add.path)) continue;
      expect({ path: file.add.path, stats: await ourStats(table, file) }).toEqual({
        path: file.add.path,
        stats: timestampsToUtc(file.add.stats!),
      });
    }
  });
});
