import type { Field } from "apache-arrow";
import { createEngine } from "../../../../src/engine/index.js";
import { makeData, RecordBatch, Schema, Struct, vectorFromArray } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { canonicalizePath } from "../../../../src/log/file-paths.js";
import { writeDataFiles } from "../../../../src/ops/write/files.js";
import {
  dataFileName,
  escapePathName,
  parquetExtension,
  partitionDirectory,
  randomPrefix,
  randomPrefixLength,
  toLogPath,
} from "../../../../src/ops/write/paths.js";
import { toArrowSchema } from "../../../../src/schema/arrow-schema.js";
import type { StructType } from "../../../../src/schema/types.js";
import { parsePartitionValue } from "../../../../src/expr/partition-values.js";
import { MemoryStore } from "../../../../src/storage/memory-store.js";

describe("Hive partition directories", () => {
  it.each<[string, string]>([
    ["plain", "plain"],
    ["a b", "a b"],
    ["a/b", "a%2Fb"],
    ["k=v", "k%3Dv"],
    ["100%", "100%25"],
    ["#?:*", "%23%3F%3A%2A"],
    ["\"'\\", "%22%27%5C"],
    ["{[]}^", "%7B%5B%5D}%5E"],
    ["\u0001\n\u001f\u007f", "%01%0A%1F%7F"],
    ["\u0000", "%00"],
    ["é😀 <>|+,;~", "é😀 <>|+,;~"],
  ])("escapes %j as %j (Spark's escapePathName)", (value, escaped) => {
    expect(escapePathName(value)).toBe(escaped);
  });

  it("names the null and empty partitions __HIVE_DEFAULT_PARTITION__", () => {
    expect([partitionDirectory("p", null), partitionDirectory("p", ""), partitionDirectory("a=b", "c")]).toEqual([
      "p=__HIVE_DEFAULT_PARTITION__",
      "p=__HIVE_DEFAULT_PARTITION__",
      "a%3Db=c",
    ]);
  });
});

describe("add.path encoding", () => {
  it.each<[string, string]>([
    ["part-00000-x.parquet", "part-00000-x.parquet"],
    ["p=a b/f", "p=a%20b/f"],
    ["p=100%25/f", "p=100%2525/f"],
    ["p=é😀/f", "p=é😀/f"],
    ["p=\u00a0\u3000\u0085/f", "p=%C2%A0%E3%80%80%C2%85/f"],
    ["p=a:b@c&d=e+f$g,h;i!j~k*l'm(n)/f", "p=a:b@c&d=e+f$g,h;i!j~k*l'm(n)/f"],
    ['p=<>|^`{}"/f', "p=%3C%3E%7C%5E%60%7B%7D%22/f"],
  ])("quotes %j as java.net.URI does: %j", (key, path) => {
    expect(toLogPath(key)).toBe(path);
  });

  it("matches the paths Spark wrote for escaped partition values (golden data-reader-escaped-chars, data-reader-partition-values)", () => {
    expect(toLogPath(partitionDirectory("_2", "bar+%21"))).toBe("_2=bar+%252521");
    expect(toLogPath(partitionDirectory("as_timestamp", "2021-09-08 11:11:11"))).toBe("as_timestamp=2021-09-08%2011%253A11%253A11");
  });
});

describe("file names and prefixes", () => {
  it("names files part-<seq>-<uuid>-c000.<codec>.parquet", () => {
    expect(dataFileName(7, parquetExtension("snappy"))).toMatch(
      /^part-00007-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-c000\.snappy\.parquet$/,
    );
    expect([parquetExtension("zstd"), parquetExtension("uncompressed")]).toEqual([".zstd.parquet", ".parquet"]);
    expect(dataFileName(1, ".parquet")).not.toBe(dataFileName(1, ".parquet"));
  });

  it("uses random alphanumeric prefixes under column mapping or delta.randomizeFilePrefixes", () => {
    expect(randomPrefix(2)).toMatch(/^[A-Za-z0-9]{2}$/);
    expect(randomPrefixLength({}, false)).toBeUndefined();
    expect(randomPrefixLength({}, true)).toBe(2);
    expect(randomPrefixLength({ "delta.randomizeFilePrefixes": "true", "delta.randomPrefixLength": "5" }, false)).toBe(5);
  });
});

describe("written paths round-trip through the reader to the real object key", () => {
  const NASTY: (string | null)[] = [
    "a b",
    "a/b",
    "k=v",
    "100%",
    "%2F",
    "#frag",
    "q?x",
    "é😀",
    "",
    null,
    ".",
    "..",
    "\u0001",
    "back\\slash",
    "{[]}^",
    "\u00a0nbsp",
    "'\"",
    ":",
    "+",
    "x".repeat(100),
  ];

  it("for nasty partition values", async () => {
    const schema: StructType = {
      type: "struct",
      fields: [
        { name: "id", type: "integer", nullable: true, metadata: {} },
        { name: "p", type: "string", nullable: true, metadata: {} },
      ],
    };
    const arrow = toArrowSchema(schema);
    const ids = vectorFromArray(
      NASTY.map((_, i) => i),
      arrow.fields[0]!.type,
    ).data[0]!;
    const parts = vectorFromArray(NASTY, arrow.fields[1]!.type).data[0]!;
    const batch = new RecordBatch(
      arrow,
      makeData({ type: new Struct(arrow.fields as Field[]), length: NASTY.length, children: [ids, parts] }),
    );
    const store = new MemoryStore();
    const { adds } = await writeDataFiles(createEngine(store), [batch], {
      schema,
      partitionColumns: ["p"],
      columnMappingMode: "none",
      configuration: {},
    });
    const keys = new Set<string>();
    for await (const o of store.list("")) keys.add(o.path);
    // "" and null share the null partition
    expect(adds).toHaveLength(NASTY.length - 1);
    for (const add of adds) {
      const key = canonicalizePath(add.path, "memory://t");
      expect(keys.has(key), `${add.path} → ${key}`).toBe(true);
      const dir = key.slice(0, key.lastIndexOf("/"));
      const value = parsePartitionValue(add.partitionValues.p, "string", "p");
      expect(dir).toBe(partitionDirectory("p", value as string | null));
      expect(NASTY).toContain(value === null ? null : value);
    }
    expect(adds.map((a) => a.partitionValues.p).sort()).toEqual(
      NASTY.filter((v) => v !== "")
        .map((v) => v)
        .sort(),
    );
  });

  it("for schema names needing escapes too", async () => {
    const schema: StructType = {
      type: "struct",
      fields: [
        { name: "v", type: "long", nullable: true, metadata: {} },
        { name: "a=b/c", type: "date", nullable: true, metadata: {} },
      ],
    };
    const arrow = toArrowSchema(schema);
    const batch = new RecordBatch(
      new Schema(arrow.fields),
      makeData({
        type: new Struct(arrow.fields as Field[]),
        length: 1,
        children: [
          vectorFromArray([1n], arrow.fields[0]!.type).data[0]!,
          vectorFromArray([new Date(Date.UTC(2024, 1, 29))], arrow.fields[1]!.type).data[0]!,
        ],
      }),
    );
    const store = new MemoryStore();
    const { adds } = await writeDataFiles(createEngine(store), [batch], {
      schema,
      partitionColumns: ["a=b/c"],
      columnMappingMode: "none",
      configuration: {},
    });
    expect(adds[0]!.path).toMatch(/^a%253Db%252Fc=2024-02-29\/part-00000-/);
    expect(adds[0]!.partitionValues).toEqual({ "a=b/c": "2024-02-29" });
    await expect(store.head(canonicalizePath(adds[0]!.path, "memory://t"))).resolves.toMatchObject({ size: adds[0]!.size });
  });
});
