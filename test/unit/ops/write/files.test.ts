import { type Field, RecordBatch, Table } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { createEngine, parquetWasm } from "../../../../src/engine/index.js";
import { ParquetWriteError } from "../../../../src/errors/parquet-errors.js";
import { InvalidSchemaError, SchemaMismatchError } from "../../../../src/errors/schema-errors.js";
import type { AddFile } from "../../../../src/log/actions.js";
import { canonicalizePath } from "../../../../src/log/file-paths.js";
import { type DataFileOptions, writeDataFiles } from "../../../../src/ops/write/files.js";
import { rowsToBatch } from "../../../../src/ops/write/input.js";
import { toArrowSchema } from "../../../../src/schema/arrow-schema.js";
import type { DataType, StructField, StructType } from "../../../../src/schema/types.js";
import { MemoryStore } from "../../../../src/storage/memory-store.js";
import type { ObjectStore, PutResult, PutStreamOptions } from "../../../../src/storage/store.js";

const field = (name: string, type: DataType, metadata: Record<string, unknown> = {}, nullable = true): StructField => ({
  name,
  type,
  nullable,
  metadata,
});
const struct = (...fields: StructField[]): StructType => ({ type: "struct", fields });

const SCHEMA = struct(field("id", "long"), field("name", "string"), field("part", "integer"), field("x", "double"));

function batchOf(schema: StructType, rows: Record<string, unknown>[]): RecordBatch {
  return rowsToBatch(rows, 0, rows.length, toArrowSchema(schema));
}

function rowsFor(from: number, n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return { id: BigInt(i), name: i % 11 === 0 ? null : `name-${i}`, part: i % 5 === 4 ? null : i % 5, x: i / 7 };
  });
}

const options = (extra: Partial<DataFileOptions> = {}): DataFileOptions => ({
  schema: SCHEMA,
  partitionColumns: ["part"],
  columnMappingMode: "none",
  configuration: {},
  ...extra,
});

/** The rows of every file as JSON-able objects (partition values merged in from the add). */
async function readBack(store: ObjectStore, adds: AddFile[]): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const add of adds) {
    const key = canonicalizePath(add.path, "memory://t");
    for await (const batch of parquetWasm.read(store, key)) {
      for (const row of new Table([batch]).toArray()) {
        const plain = JSON.parse(JSON.stringify(row.toJSON(), (_, v) => (typeof v === "bigint" ? Number(v) : v))) as Record<
          string,
          unknown
        >;
        out.push({ ...plain, ...add.partitionValues });
      }
    }
  }
  return out.sort((a, b) => (a.id as number) - (b.id as number));
}

const expected = (rows: Record<string, unknown>[]) =>
  rows.map((r) => ({ id: Number(r.id), name: r.name, x: r.x, part: r.part === null ? null : String(r.part) }));

async function keysOf(store: MemoryStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of store.list("")) keys.push(o.path);
  return keys;
}

describe("writeDataFiles", () => {
  it("writes one file per partition with Hive directories, partition values and stats, and reads back every row", async () => {
    const store = new MemoryStore();
    const rows = rowsFor(0, 1000);
    const batches = [batchOf(SCHEMA, rows.slice(0, 400)), batchOf(SCHEMA, rows.slice(400))];
    const result = await writeDataFiles(createEngine(store), batches, options());
    expect(result.numRows).toBe(1000);
    expect(result.adds).toHaveLength(5);
    expect(result.numBytes).toBe(result.adds.reduce((n, a) => n + a.size, 0));
    for (const add of result.adds) {
      const value = add.partitionValues.part;
      expect(add.path).toMatch(
        new RegExp(`^part=${value ?? "__HIVE_DEFAULT_PARTITION__"}/part-\\d{5}-[0-9a-f-]{36}-c000\\.snappy\\.parquet$`),
      );
      expect((await store.head(add.path)).size).toBe(add.size);
      expect(add.dataChange).toBe(true);
      const stats = JSON.parse(add.stats!);
      expect(stats.numRecords).toBe(200);
      expect(Object.keys(stats.nullCount)).toEqual(["id", "name", "x"]);
    }
    expect(await readBack(store, result.adds)).toEqual(expected(rows));
  });

  it("writes an unpartitioned table as one file and an empty input as none", async () => {
    const store = new MemoryStore();
    const rows = rowsFor(0, 50);
    const { adds } = await writeDataFiles(
      createEngine(store),
      [batchOf(SCHEMA, rows)],
      options({ partitionColumns: [], compression: "zstd" }),
    );
    expect(adds).toHaveLength(1);
    expect(adds[0]!.path).toMatch(/^part-00000-.*-c000\.zstd\.parquet$/);
    expect(adds[0]!.partitionValues).toEqual({});
    expect(JSON.parse(adds[0]!.stats!).minValues).toEqual({ id: 0, name: "name-1", part: 0, x: 0.0 });
    expect((await readBack(store, adds)).map((r) => r.id)).toEqual(rows.map((r) => Number(r.id)));
    expect((await writeDataFiles(createEngine(store), [], options())).adds).toEqual([]);
  });

  it("rolls to a new file when the target size is reached, within a partition and within one large batch", async () => {
    const store = new MemoryStore();
    const rows = rowsFor(0, 60_000);
    const target = 64 * 1024;
    const { adds } = await writeDataFiles(
      createEngine(store),
      [batchOf(SCHEMA, rows)],
      options({ partitionColumns: [], targetFileSize: target }),
    );
    expect(adds.length).toBeGreaterThan(5);
    for (const add of adds.slice(0, -1)) expect(add.size).toBeLessThan(target * 2);
    expect(adds.reduce((n, a) => n + JSON.parse(a.stats!).numRecords, 0)).toBe(60_000);
    expect(new Set(adds.map((a) => a.path)).size).toBe(adds.length);
    expect(await readBack(store, adds)).toEqual(expected(rows).map((r) => ({ ...r, part: r.part === null ? null : Number(r.part) })));
  });

  it("keeps at most maxOpenFiles files open; a partition closed early continues in a new file", async () => {
    const inner = new MemoryStore();
    let open = 0;
    let peak = 0;
    const store = new Proxy(inner, {
      get(target, prop, receiver) {
        if (prop !== "putStream") return Reflect.get(target, prop, receiver);
        return async (path: string, source: AsyncIterable<Uint8Array>, o?: PutStreamOptions): Promise<PutResult> => {
          peak = Math.max(peak, ++open);
          try {
            return await target.putStream(path, source, o);
          } finally {
            open--;
          }
        };
      },
    });
    // a nested column: batches are split one by one (no pooling), so partitions come back
    const schema = struct(...SCHEMA.fields, field("tags", { type: "array", elementType: "string", containsNull: true }));
    const rows = rowsFor(0, 2000).map((r) => ({ ...r, tags: [String(r.id), null] }));
    const batches = Array.from({ length: 10 }, (_, k) => batchOf(schema, rows.slice(k * 200, (k + 1) * 200)));
    const { adds } = await writeDataFiles(createEngine(store), batches, options({ schema, maxOpenFiles: 2 }));
    expect(peak).toBeLessThanOrEqual(2);
    expect(adds.length).toBeGreaterThan(5);
    expect(await readBack(inner, adds)).toEqual(expected(rows).map((r) => ({ ...r, tags: [String(r.id), null] })));
  });

  it("writes typed partition values as Spark serialises them", async () => {
    const schema = struct(
      field("v", "integer"),
      field("l", "long"),
      field("d", "double"),
      field("f", "float"),
      field("day", "date"),
      field("ts", "timestamp"),
      field("ntz", "timestamp_ntz"),
      field("b", "boolean"),
      field("dec", "decimal(5,2)"),
    );
    const row = { v: 1, l: 9007199254740993n, d: 1, f: 0.1, day: "2024-02-29", ts: 1_704_103_200_000_001n, ntz: 0n, b: true, dec: "12.5" };
    const store = new MemoryStore();
    const { adds } = await writeDataFiles(createEngine(store), [batchOf(schema, [row, { ...row, d: NaN, f: 1e10 }])], {
      schema,
      partitionColumns: ["l", "d", "f", "day", "ts", "ntz", "b", "dec"],
      columnMappingMode: "none",
      configuration: {},
    });
    expect(adds.map((a) => a.partitionValues)).toEqual([
      {
        l: "9007199254740993",
        d: "1.0",
        f: "0.1",
        day: "2024-02-29",
        ts: "2024-01-01T10:00:00.000001Z",
        ntz: "1970-01-01 00:00:00.000000",
        b: "true",
        dec: "12.50",
      },
      {
        l: "9007199254740993",
        d: "NaN",
        f: "1.0E10",
        day: "2024-02-29",
        ts: "2024-01-01T10:00:00.000001Z",
        ntz: "1970-01-01 00:00:00.000000",
        b: "true",
        dec: "12.50",
      },
    ]);
    expect(adds[0]!.path.split("/").slice(0, -1)).toEqual([
      "l=9007199254740993",
      "d=1.0",
      "f=0.1",
      "day=2024-02-29",
      "ts=2024-01-01T10%253A00%253A00.000001Z",
      "ntz=1970-01-01%2000%253A00%253A00.000000",
      "b=true",
      "dec=12.50",
    ]);
  });

  it("writes physical names (nested too) and field ids under column mapping, in random prefix directories", async () => {
    const cm = (name: string, id: number) => ({ "delta.columnMapping.physicalName": name, "delta.columnMapping.id": id });
    const schema = struct(
      field("id", "long", cm("col-a", 1)),
      field("st", struct(field("inner", "string", cm("col-c", 3))), cm("col-b", 2)),
      field("p", "string", cm("col-p", 4)),
    );
    const store = new MemoryStore();
    const rows = [{ id: 1n, st: { inner: "x" }, p: "k" }];
    const { adds } = await writeDataFiles(createEngine(store), [batchOf(schema, rows)], {
      schema,
      partitionColumns: ["p"],
      columnMappingMode: "id",
      configuration: { "delta.columnMapping.mode": "id" },
    });
    expect(adds[0]!.path).toMatch(/^[A-Za-z0-9]{2}\/part-00000-.*\.snappy\.parquet$/);
    expect(adds[0]!.partitionValues).toEqual({ "col-p": "k" });
    expect(JSON.parse(adds[0]!.stats!)).toEqual({
      numRecords: 1,
      minValues: { "col-a": 1, "col-b": { "col-c": "x" } },
      maxValues: { "col-a": 1, "col-b": { "col-c": "x" } },
      nullCount: { "col-a": 0, "col-b": { "col-c": 0 } },
    });
    const info = await parquetWasm.readInfo(store, adds[0]!.path);
    const [a, b] = info.schema.fields as Field[];
    expect([a!.name, b!.name, (b!.type.children[0] as Field).name]).toEqual(["col-a", "col-b", "col-c"]);
    expect([
      a!.metadata.get("PARQUET:field_id"),
      b!.metadata.get("PARQUET:field_id"),
      (b!.type.children[0] as Field).metadata.get("PARQUET:field_id"),
    ]).toEqual(["1", "2", "3"]);
  });

  it("writes tightBounds when asked and dataChange as given, and reports progress", async () => {
    const store = new MemoryStore();
    const progress: Array<{ rows: number; files: number }> = [];
    const { adds } = await writeDataFiles(
      createEngine(store),
      [batchOf(SCHEMA, rowsFor(0, 10)), batchOf(SCHEMA, rowsFor(10, 10))],
      options({ tightBounds: true, dataChange: false, onProgress: (p) => progress.push({ rows: p.rows, files: p.files }) }),
    );
    expect(adds.every((a) => a.dataChange === false && JSON.parse(a.stats!).tightBounds === true)).toBe(true);
    expect(progress.map((p) => p.rows)).toEqual([10, 20, 20]);
    expect(progress.at(-1)!.files).toBe(5);
  });

  it("refuses a table whose every column is a partition column", async () => {
    const schema = struct(field("p", "string"));
    await expect(
      writeDataFiles(createEngine(new MemoryStore()), [batchOf(schema, [{ p: "a" }])], {
        schema,
        partitionColumns: ["p"],
        columnMappingMode: "none",
        configuration: {},
      }),
    ).rejects.toBeInstanceOf(InvalidSchemaError);
  });

  it("refuses batches not conformed to the table's Arrow schema", async () => {
    const other = struct(field("id", "long"), field("name", "string"), field("part", "long"), field("x", "double"));
    await expect(
      writeDataFiles(
        createEngine(new MemoryStore()),
        [
          batchOf(
            other,
            rowsFor(0, 3).map((r) => ({ ...r, part: 1n })),
          ),
        ],
        options(),
      ),
    ).rejects.toBeInstanceOf(SchemaMismatchError);
    await expect(
      writeDataFiles(createEngine(new MemoryStore()), [batchOf(struct(field("id", "long")), [{ id: 1n }])], options()),
    ).rejects.toBeInstanceOf(SchemaMismatchError);
  });
});

describe("writeDataFiles round trips random data", () => {
  const flat = struct(
    field("id", "long"),
    field("s", "string"),
    field("pk", "string"),
    field("n", "integer"),
    field("day", "date"),
    field("flag", "boolean"),
    field("bin", "binary"),
    field("dec", "decimal(12,3)"),
  );
  const nested = struct(
    ...flat.fields,
    field("st", struct(field("a", "integer"), field("l", { type: "array", elementType: "string", containsNull: true }))),
  );

  it.each([
    ["flat columns (pooled split)", flat],
    ["nested columns (per-batch split)", nested],
  ])("%s", async (_, schema) => {
    let seed = 7;
    const r = () => ((seed = (Math.imul(seed, 1103515245) + 12345) | 0) >>> 0) / 4294967296;
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const rows = Array.from({ length: 1500 }, (_, i) => ({
      id: BigInt(i),
      s: r() < 0.1 ? null : "é".repeat(Math.floor(r() * 5)) + String(i),
      pk: pick(["a", "b/c", "%", null, "", "x y"]),
      n: pick([1, 2, null]),
      day: pick(["2024-01-01", null]),
      flag: pick([true, false, null]),
      bin: r() < 0.5 ? null : new Uint8Array([i & 255, 0]),
      dec: pick(["1.5", "-0.001", null]),
      st: r() < 0.2 ? null : { a: r() < 0.5 ? null : i, l: r() < 0.3 ? null : [String(i), null] },
    }));
    const batches = [];
    for (let at = 0; at < rows.length; at += 257)
      batches.push(
        batchOf(
          schema,
          rows.slice(at, at + 257).map((row) => Object.fromEntries(schema.fields.map((f) => [f.name, row[f.name as keyof typeof row]]))),
        ),
      );
    const store = new MemoryStore();
    const partitionColumns = ["pk", "n", "day", "flag"];
    const { adds, numRows } = await writeDataFiles(createEngine(store), batches, {
      schema,
      partitionColumns,
      columnMappingMode: "none",
      configuration: {},
      maxOpenFiles: 3,
      targetFileSize: 4096,
    });
    expect(numRows).toBe(rows.length);
    const back: Record<string, unknown>[] = [];
    for (const add of adds) {
      expect(JSON.parse(add.stats!).numRecords).toBeGreaterThan(0);
      for await (const batch of parquetWasm.read(store, canonicalizePath(add.path, "memory://t"))) {
        for (const row of new Table([batch]).toArray()) back.push({ ...(row.toJSON() as object), ...add.partitionValues });
      }
    }
    const canon = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === "bigint" ? `${x}` : x instanceof Uint8Array ? [...x] : x));
    back.sort((a, b) => Number(a.id) - Number(b.id));
    expect(back.map((row) => canon([row.id, row.s, row.pk, row.n, row.day, row.flag, row.bin, row.dec]))).toEqual(
      rows.map((row) =>
        canon([
          row.id,
          row.s,
          row.pk === "" ? null : row.pk,
          row.n === null ? null : String(row.n),
          row.day,
          row.flag === null ? null : String(row.flag),
          row.bin,
          row.dec === null ? null : row.dec === "1.5" ? '"1500"' : '"-1"',
        ]),
      ),
    );
    if (schema === nested) {
      expect(back.map((row) => canon(row.st))).toEqual(rows.map((row) => canon(row.st === null ? null : { a: row.st.a, l: row.st.l })));
    }
  });
});

describe("writeDataFiles failures leave no files behind", () => {
  it("when the input fails mid-way", async () => {
    const store = new MemoryStore();
    async function* input() {
      yield batchOf(SCHEMA, rowsFor(0, 100));
      yield batchOf(SCHEMA, rowsFor(100, 100));
      throw new Error("source broke");
    }
    await expect(writeDataFiles(createEngine(store), input(), options({ targetFileSize: 1 }))).rejects.toThrow("source broke");
    expect(await keysOf(store)).toEqual([]);
  });

  it("when an upload fails", async () => {
    const inner = new MemoryStore();
    let calls = 0;
    const store = new Proxy(inner, {
      get(target, prop, receiver) {
        if (prop !== "putStream") return Reflect.get(target, prop, receiver);
        return async (path: string, source: AsyncIterable<Uint8Array>, o?: PutStreamOptions): Promise<PutResult> => {
          if (++calls === 3) {
            for await (const _ of source) throw new Error("disk full");
          }
          return target.putStream(path, source, o);
        };
      },
    });
    await expect(writeDataFiles(createEngine(store), [batchOf(SCHEMA, rowsFor(0, 500))], options())).rejects.toThrow("disk full");
    expect(await keysOf(inner)).toEqual([]);
  });

  it("when the encoder refuses the data (a null in a non-nullable column)", async () => {
    const schema = struct(field("id", "long", {}, false), field("part", "integer"));
    const arrow = toArrowSchema(struct(field("id", "long"), field("part", "integer")));
    const batch = rowsToBatch(
      [
        { id: 1n, part: 1 },
        { id: null, part: 2 },
      ],
      0,
      2,
      arrow,
    );
    const store = new MemoryStore();
    const good = rowsToBatch([{ id: 5n, part: 3 }], 0, 1, arrow);
    await expect(
      writeDataFiles(createEngine(store), [good, new RecordBatch(toArrowSchema(schema), batch.data)], {
        schema,
        partitionColumns: ["part"],
        columnMappingMode: "none",
        configuration: {},
        targetFileSize: 1,
      }),
    ).rejects.toBeInstanceOf(ParquetWriteError);
    expect(await keysOf(store)).toEqual([]);
  });

  it("reports the encoder's error even when more batches follow for the failed file", async () => {
    const schema = struct(field("id", "long", {}, false), field("v", "integer"));
    const loose = toArrowSchema(struct(field("id", "long"), field("v", "integer")));
    const bad = new RecordBatch(toArrowSchema(schema), rowsToBatch([{ id: null, v: 1 }], 0, 1, loose).data);
    const good = () => new RecordBatch(toArrowSchema(schema), rowsToBatch([{ id: 1n, v: 2 }], 0, 1, loose).data);
    const store = new MemoryStore();
    const input = [bad, ...Array.from({ length: 5 }, good)];
    await expect(
      writeDataFiles(createEngine(store), input, {
        schema,
        partitionColumns: [],
        columnMappingMode: "none",
        configuration: {},
        rowGroupSize: 1,
      }),
    ).rejects.toBeInstanceOf(ParquetWriteError);
    expect(await keysOf(store)).toEqual([]);
  });

  it("when aborted", async () => {
    const store = new MemoryStore();
    const controller = new AbortController();
    async function* input() {
      yield batchOf(SCHEMA, rowsFor(0, 100));
      controller.abort();
      yield batchOf(SCHEMA, rowsFor(100, 100));
    }
    await expect(
      writeDataFiles(createEngine(store), input(), options({ signal: controller.signal, targetFileSize: 1 })),
    ).rejects.toMatchObject({ name: "AbortError" });
    expect(await keysOf(store)).toEqual([]);
  });
});
