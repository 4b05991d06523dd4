/**
 * The fast path for the bulk of a checkpoint: batches of `add` rows built column by column from
 * the snapshot's file index, without a row object per action. Strings are encoded once per batch
 * (one UTF-8 encode of the joined text), numbers go straight into typed arrays, and the columns
 * that are null in every row of an add batch (txn, remove, metaData, ...) are built once per
 * batch length and reused. Rare nested fields (tags, deletion vectors, parsed values) go through
 * the generic row builder. Pure.
 */
import { Bool, type Data, type Field, Int64, makeData, type Map_, type RecordBatch, type Schema, type Struct, Utf8 } from "apache-arrow";
import { batchOf } from "../../arrow/data.js";
import type { AddFile } from "../../log/actions.js";
import type { FileIndex } from "../../log/file-index.js";
import { builderFor } from "../write/rows-build.js";
import { fitValue, parseStatsJson, type PartitionValueParser } from "./checkpoint-rows.js";

/** Builds add-only record batches of one checkpoint schema. */
export class AddBatchBuilder {
  private readonly nullColumns = new Map<string, Data>();
  private readonly addField: Field<Struct>;

  constructor(
    private readonly schema: Schema,
    private readonly files: FileIndex,
    private readonly partitions: PartitionValueParser,
  ) {
    this.addField = schema.fields.find((f) => f.name === "add") as Field<Struct>;
  }

  /** The add rows of files `from..to-1` as one record batch. */
  batch(from: number, to: number): RecordBatch {
    const n = to - from;
    const adds: AddFile[] = new Array<AddFile>(n);
    for (let i = 0; i < n; i++) adds[i] = this.files.addFile(from + i);
    const columns = this.schema.fields.map((field) => (field.name === "add" ? this.addColumn(adds) : this.nullColumn(field, n)));
    return batchOf(this.schema, columns, n);
  }

  private addColumn(adds: AddFile[]): Data {
    const type = this.addField.type;
    const n = adds.length;
    const children = (type.children as Field[]).map((child) => {
      switch (child.name) {
        case "path":
          return utf8Data(adds.map((a) => a.path));
        case "partitionValues":
          return stringMapData(
            child.type as Map_,
            adds.map((a) => a.partitionValues),
          );
        case "size":
          return int64Data(adds, (a) => a.size);
        case "modificationTime":
          return int64Data(adds, (a) => a.modificationTime);
        case "dataChange":
          return makeData({ type: new Bool(), length: n, nullCount: 0, data: new Uint8Array((n + 7) >> 3) });
        case "stats":
          return utf8Data(adds.map((a) => a.stats ?? null));
        default:
          return this.genericChild(child, adds);
      }
    });
    return makeData({ type, length: n, nullCount: 0, children });
  }

  /**
   * A rarely set or derived field, through the row builder; all-null batches reuse one column. A
   * value that does not convert (statistics written by another engine) becomes null: the batch is
   * rebuilt once with each value checked on its own, so a failed append never leaves a partial row.
   */
  private genericChild(child: Field, adds: AddFile[]): Data {
    const values = adds.map((a) => this.childValue(child, a));
    if (values.every((v) => v === null)) return this.nullColumn(child, values.length, "add.");
    const build = (vs: unknown[]) => {
      const builder = builderFor(child, `add.${child.name}`);
      for (const v of vs) builder.append(v);
      return builder.finish();
    };
    try {
      return build(values);
    } catch {
      return build(values.map((v) => (converts(child, v) ? v : null)));
    }
  }

  private childValue(child: Field, a: AddFile): unknown {
    if (child.name === "partitionValues_parsed") return this.partitions.parsedPartition(a.partitionValues);
    if (child.name === "stats_parsed") return fitValue(parseStatsJson(a.stats), child.type);
    return (a as unknown as Record<string, unknown>)[child.name] ?? null;
  }

  /** An all-null column of `field`, built once per length. */
  private nullColumn(field: Field, n: number, scope = ""): Data {
    const key = `${scope}${field.name}/${n}`;
    let data = this.nullColumns.get(key);
    if (!data) {
      const builder = builderFor(field, field.name);
      for (let i = 0; i < n; i++) builder.append(null);
      data = builder.finish();
      this.nullColumns.set(key, data);
    }
    return data;
  }
}

/** Whether `value` converts to `field`'s type on its own. */
function converts(field: Field, value: unknown): boolean {
  try {
    const builder = builderFor(field, field.name);
    builder.append(value);
    builder.finish();
    return true;
  } catch {
    return false;
  }
}

function int64Data(adds: AddFile[], get: (a: AddFile) => number): Data {
  const values = new BigInt64Array(adds.length);
  for (let i = 0; i < adds.length; i++) values[i] = BigInt(get(adds[i]!));
  return makeData({ type: new Int64(), length: adds.length, nullCount: 0, data: values });
}

/** A Utf8 column from strings (null entries are nulls), encoded in one pass. */
export function utf8Data(values: Array<string | null | undefined>): Data {
  const n = values.length;
  const offsets = new Int32Array(n + 1);
  const bitmap = new Uint8Array((n + 7) >> 3);
  const parts: string[] = [];
  let nulls = 0;
  let units = 0;
  for (let i = 0; i < n; i++) {
    const s = values[i];
    if (s === null || s === undefined) nulls++;
    else {
      bitmap[i >> 3]! |= 1 << (i & 7);
      parts.push(s);
      units += s.length;
    }
    offsets[i + 1] = units;
  }
  const text = parts.join("");
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length !== text.length) {
    // not all ASCII: offsets in UTF-8 bytes, string by string
    let at = 0;
    for (let i = 0; i < n; i++) {
      const s = values[i];
      if (s !== null && s !== undefined) at += Buffer.byteLength(s, "utf8");
      offsets[i + 1] = at;
    }
  }
  const data = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return makeData({
    type: new Utf8(),
    length: n,
    nullCount: nulls,
    nullBitmap: nulls > 0 ? bitmap : undefined,
    valueOffsets: offsets,
    data,
  });
}

/** A `map<string, string>` column from records (never null; null values allowed). */
function stringMapData(type: Map_, records: Array<Record<string, string | null>>): Data {
  const offsets = new Int32Array(records.length + 1);
  const keys: string[] = [];
  const values: Array<string | null> = [];
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    for (const k in record) {
      keys.push(k);
      values.push(record[k] ?? null);
    }
    offsets[i + 1] = keys.length;
  }
  const entriesType = type.children[0]!.type as Struct;
  const entries = makeData({ type: entriesType, length: keys.length, nullCount: 0, children: [utf8Data(keys), utf8Data(values)] });
  return makeData({ type, length: records.length, nullCount: 0, valueOffsets: offsets, child: entries });
}
