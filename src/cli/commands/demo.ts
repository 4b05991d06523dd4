/**
 * `lakelog demo`: the main job on the embedded local store, end to end — create a table, write,
 * overwrite part of it, read it back, travel to earlier versions, show history.
 */
import { existsSync, readdirSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { Field, Float64, Int64, Schema, TimeUnit, Timestamp, Utf8 } from "apache-arrow";
import { DeltaTable } from "../../index.js";
import type { CliContext } from "../context.js";
import { UsageError } from "../exit.js";
import { rowSink } from "../render/rows.js";

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
        temperature: Math.round((12 + c * 8 + 6 * Math.sin((hour / 24) * 2 * Math.PI)) * 10) / 10,
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
  return [...counts]
    .sort()
    .map(([c, n]) => `${c}=${n}`)
    .join(", ");
}

function step(ctx: CliContext, title: string): Promise<void> {
  return ctx.print(`\n${ctx.style.bold(`== ${title}`)}`);
}

/** Runs the demo in `dir`; returns the exit code. */
export async function runDemo(dir: string, options: { overwrite?: boolean }, ctx: CliContext): Promise<number> {
  const path = resolve(dir);
  if (existsSync(path) && readdirSync(path).length > 0) {
    if (!options.overwrite || !existsSync(resolve(path, "_delta_log"))) {
      throw new UsageError(`${path} is not empty (choose another folder, or pass --overwrite to replace an earlier demo table)`);
    }
    rmSync(path, { recursive: true, force: true });
  }
  await step(ctx, `create a table partitioned by city at ${path}`);
  const schema = new Schema([
    new Field("id", new Int64(), false),
    new Field("city", new Utf8(), false),
    new Field("temperature", new Float64(), true),
    new Field("recorded_at", new Timestamp(TimeUnit.MICROSECOND, "UTC"), false),
  ]);
  let table = await DeltaTable.create(path, {
    schema,
    partitionBy: ["city"],
    name: "weather",
    description: "hourly readings (lakelog demo)",
  });
  await ctx.print(`version ${table.version}: ${table.schema.fields.map((f) => `${f.name} ${String(f.type)}`).join(", ")}`);

  await step(ctx, "append two days of readings, then one more day");
  let result = await table.write(readings(0, 48, 0));
  await ctx.print(`version ${result.version}: ${result.metrics.numOutputRows} rows in ${result.metrics.numFiles} files`);
  result = await table.write(readings(48, 24, 1000));
  await ctx.print(`version ${result.version}: ${result.metrics.numOutputRows} rows in ${result.metrics.numFiles} files`);

  await step(ctx, "overwrite Oslo's readings (replaceWhere city = 'Oslo')");
  const corrected = readings(0, 24, 5000)
    .filter((r) => r.city === "Oslo")
    .map((r) => ({ ...r, temperature: r.temperature + 0.5 }));
  result = await table.write(corrected, { mode: "overwrite", replaceWhere: "city = 'Oslo'" });
  await ctx.print(
    `version ${result.version}: removed ${result.metrics.numRemovedFiles} file(s), wrote ${result.metrics.numOutputRows} rows`,
  );

  await step(ctx, "read back the latest version");
  table = await table.refresh();
  await ctx.print(`version ${table.version}: ${await countsByCity(table)}`);
  const warm = await table.toArrow({ filter: "temperature > 27.5", columns: ["city", "recorded_at", "temperature"], limit: 5 });
  const sink = rowSink("table", warm.schema, ctx.out, { style: ctx.style });
  for (const batch of warm.batches) await sink.batch(batch);
  await sink.end();

  await step(ctx, "time travel");
  const v1 = await table.loadVersion(1);
  await ctx.print(`version 1: ${await countsByCity(v1)}`);
  const before = await table.loadTimestamp(new Date(table.timestamp.getTime() - 1));
  await ctx.print(`as of just before the latest commit → version ${before.version}: ${await countsByCity(before)}`);

  await step(ctx, "history");
  for (const h of await table.history()) {
    await ctx.print(
      `${String(h.version).padStart(3)}  ${new Date(h.timestamp).toISOString()}  ${h.operation}  ${JSON.stringify(h.operationParameters ?? {})}`,
    );
  }
  await ctx.print(`\nThe table is in ${path}; inspect it with: npm run cli -- info ${dir}  (or, installed: npx lakelog info ${dir})`);
  return 0;
}
