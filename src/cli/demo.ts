/**
 * `lakelog demo`: the main job on the embedded local store, end to end — create a table, write,
 * overwrite part of it, read it back, travel to earlier versions, show history.
 */
import { existsSync, readdirSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { Field, Float64, Int64, Schema, TimeUnit, Timestamp, Utf8 } from "apache-arrow";
import { DeltaTable } from "../index.js";
import { formatRows } from "./format.js";

const CITIES = ["Oslo", "Lisbon", "Nairobi"];
const T0 = Date.parse("2024-06-01T00:00:00Z");

/** Readings for `count` hours starting at `fromHour`, for every city. */
function readings(fromHour: number, count: number, idBase: number) {
  const rows = [];
  for (let h = 0; h < count; h++) {
    for (const [c, city] of CITIES.entries()) {
      const hour = fromHour + h;
      rows.push({
        id: BigInt(idBase + h * CITIES.length + c),
        city,
        temperature: Math.round((12 + c * 8 + 6 * Math.sin(hour / 24 * 2 * Math.PI)) * 10) / 10,
        recorded_at: new Date(T0 + hour * 3_600_000),
      });
    }
  }
  return rows;
}

async function countsByCity(table: DeltaTable): Promise<string> {
  const arrow = await table.toArrow({ columns: ["city"] });
  const counts = new Map<string, number>();
  for (const v of arrow.getChild("city")!) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
  return [...counts].sort().map(([c, n]) => `${c}=${n}`).join(", ");
}

function step(title: string): void {
  console.log(`\n== ${title}`);
}

/** Runs the demo in `dir`; returns the exit code. */
export async function runDemo(dir: string, options: { overwrite: boolean }): Promise<number> {
  const path = resolve(dir);
  if (existsSync(path) && readdirSync(path).length > 0) {
    if (!options.overwrite || !existsSync(resolve(path, "_delta_log"))) {
      console.error(`lakelog demo: ${path} is not empty (choose another folder, or pass --overwrite to replace an earlier demo table)`);
      return 2;
    }
    rmSync(path, { recursive: true, force: true });
  }
  step(`create a table partitioned by city at ${path}`);
  const schema = new Schema([
    new Field("id", new Int64(), false),
    new Field("city", new Utf8(), false),
    new Field("temperature", new Float64(), true),
    new Field("recorded_at", new Timestamp(TimeUnit.MICROSECOND, "UTC"), false),
  ]);
  let table = await DeltaTable.create(path, { schema, partitionBy: ["city"], name: "weather", description: "hourly readings (lakelog demo)" });
  console.log(`version ${table.version}: ${table.schema.fields.map((f) => `${f.name} ${String(f.type)}`).join(", ")}`);

  step("append two days of readings, then one more day");
  let result = await table.write(readings(0, 48, 0));
  console.log(`version ${result.version}: ${result.metrics.numOutputRows} rows in ${result.metrics.numFiles} files`);
  result = await table.write(readings(48, 24, 1000));
  console.log(`version ${result.version}: ${result.metrics.numOutputRows} rows in ${result.metrics.numFiles} files`);

  step("overwrite Oslo's readings (replaceWhere city = 'Oslo')");
  const corrected = readings(0, 24, 5000).filter((r) => r.city === "Oslo").map((r) => ({ ...r, temperature: r.temperature + 0.5 }));
  result = await table.write(corrected, { mode: "overwrite", replaceWhere: "city = 'Oslo'" });
  console.log(`version ${result.version}: removed ${result.metrics.numRemovedFiles} file(s), wrote ${result.metrics.numOutputRows} rows`);

  step("read back the latest version");
  table = await table.refresh();
  console.log(`version ${table.version}: ${await countsByCity(table)}`);
  const warm = await table.toArrow({ filter: "temperature > 27.5", columns: ["city", "recorded_at", "temperature"], limit: 5 });
  for (const line of formatRows(warm.batches, "table")) console.log(line);

  step("time travel");
  const v1 = await table.loadVersion(1);
  console.log(`version 1: ${await countsByCity(v1)}`);
  const before = await table.loadTimestamp(new Date(table.timestamp.getTime() - 1));
  console.log(`as of just before the latest commit → version ${before.version}: ${await countsByCity(before)}`);

  step("history");
  for (const h of await table.history()) {
    console.log(`${String(h.version).padStart(3)}  ${new Date(h.timestamp).toISOString()}  ${h.operation}  ${JSON.stringify(h.operationParameters ?? {})}`);
  }
  console.log(`\nThe table is in ${path}; inspect it with: npm run cli -- info ${dir}  (or, installed: npx lakelog info ${dir})`);
  return 0;
}
