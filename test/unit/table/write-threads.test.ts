import { Field, Float64, Int32, Int64, makeData, RecordBatch, Schema, Struct, Utf8, vectorFromArray, type Data } from "apache-arrow";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { parquetEncoderPool, setParquetEncodeThreads } from "../../../src/engine/parquet-encode-pool.js";
import { DeltaTable, writeDeltaTable } from "../../../src/table/delta-table.js";
import { removeTempDirs, tempTableDir } from "../../helpers/write-tables.js";

afterAll(removeTempDirs);
afterEach(() => setParquetEncodeThreads(undefined));

const SCHEMA = new Schema([
  new Field("id", new Int64(), false),
  new Field("name", new Utf8(), true),
  new Field("x", new Float64(), true),
  new Field("part", new Int32(), true),
]);

/** Rows `from..from+n`: ids, names (every 13th null), x = id / 3, part = id % 4. */
function batch(from: number, n: number): RecordBatch {
  const children = [
    vectorFromArray(
      Array.from({ length: n }, (_, i) => BigInt(from + i)),
      new Int64(),
    ),
    vectorFromArray(
      Array.from({ length: n }, (_, i) => ((from + i) % 13 === 0 ? null : `name-${from + i}`)),
      new Utf8(),
    ),
    vectorFromArray(
      Array.from({ length: n }, (_, i) => (from + i) / 3),
      new Float64(),
    ),
    vectorFromArray(
      Array.from({ length: n }, (_, i) => (from + i) % 4),
      new Int32(),
    ),
  ].map((v) => v.data[0] as Data);
  return new RecordBatch(SCHEMA, makeData({ type: new Struct(SCHEMA.fields), length: n, nullCount: 0, children }));
}

function* input(): Generator<RecordBatch> {
  for (let b = 0; b < 20; b++) yield batch(b * 40_000, 40_000);
}

/** Row count and order-independent sums of what a table holds. */
async function summary(dir: string): Promise<{ rows: number; ids: bigint; names: number; x: number; parts: number[] }> {
  const table = await (await DeltaTable.open(dir)).toArrow();
  let ids = 0n;
  let names = 0;
  let x = 0;
  const parts = [0, 0, 0, 0];
  const id = table.getChild("id")!;
  const name = table.getChild("name")!;
  const xs = table.getChild("x")!;
  const part = table.getChild("part")!;
  for (let i = 0; i < table.numRows; i++) {
    ids += id.get(i) as bigint;
    const n = name.get(i) as string | null;
    if (n !== null) names += n.length;
    x += xs.get(i) as number;
    parts[part.get(i) as number]!++;
  }
  return { rows: table.numRows, ids, names, x: Math.round(x), parts };
}

describe("partitioned writes with encoder threads", () => {
  it("write the same rows with one encoder thread as on the calling thread alone, handing row groups over", async () => {
    setParquetEncodeThreads(0);
    const alone = tempTableDir();
    await writeDeltaTable(alone, input(), { mode: "error", partitionBy: ["part"] });

    setParquetEncodeThreads(1);
    const handed = parquetEncoderPool()!.handedOver;
    const threaded = tempTableDir();
    const result = await writeDeltaTable(threaded, input(), { mode: "error", partitionBy: ["part"] });
    expect(result.metrics.numOutputRows).toBe(800_000);
    expect(parquetEncoderPool()!.handedOver - handed).toBeGreaterThanOrEqual(4); // a row group of several MB per partition file

    const [a, b] = [await summary(alone), await summary(threaded)];
    expect(b).toEqual(a);
    expect(b.rows).toBe(800_000);
    expect(b.ids).toBe((799_999n * 800_000n) / 2n);
    expect(b.parts).toEqual([200_000, 200_000, 200_000, 200_000]);
  });
});
